using Herald.Analytics.Consent;
using Herald.Domain;
using Herald.Storage;

namespace Herald.Deliveries;

/// <summary>A checked request to create a delivery.</summary>
public sealed record NewDelivery(
    string CustomerId, string? AgentId, string Address, GeoPoint Coordinates, long ScheduledTimeMs, int EstimatedDurationMinutes,
    DeliveryPriority Priority, PackageDetails Package, int MaxRetries);

/// <summary>A checked change to a delivery: null fields stay as they are.</summary>
public sealed record DeliveryChange(
    string? Address, GeoPoint? Coordinates, long? ScheduledTimeMs, int? EstimatedDurationMinutes, DeliveryPriority? Priority,
    PackageDetails? Package, int? MaxRetries);

/// <summary>A checked tracking event; a null time is the time it is recorded, a null attempt the latest.</summary>
public sealed record TrackingInput(Status Status, long? OccurredAtMs, GeoPoint? Location, string? Notes, int? Attempt);

/// <summary>The agent a request signed in as (an agent token), or null for an API key.</summary>
public sealed record AgentCaller(long AgentId, int TeamId, string Role)
{
    public bool IsAdmin => Role == AgentRoles.Admin;
}

/// <summary>
/// What a delivery change does, run inside the delivery writer's transaction. Every status change appends a tracking event
/// (its engine event follows, see <see cref="DeliveryWriter"/>) and moves its attempt by the parcel lattice, so a late
/// in_transit never undoes completed. A delivery's status is its latest attempt's.
/// </summary>
public sealed class DeliveryCommands(IContactSettingsStore contacts)
{
    /// <summary>Auto-assignment's first circle: most requests end in it.</summary>
    private const double FirstSearchKm = 2;

    public Outcome<DeliveryRecord> Create(IDeliveryWriteSession s, DeliveryWriteContext ctx, int teamId, NewDelivery n)
    {
        var phone = s.CustomerPhone(teamId, n.CustomerId);
        if (phone is null) return Outcome<DeliveryRecord>.Invalid("customer_id", $"no customer '{n.CustomerId}' in this team");
        long created = ctx.NextCreatedAtMs();
        var delivery = new DeliveryRecord(0, PublicIds.New(PublicIds.Delivery, created), teamId, n.CustomerId, null, n.Address, n.Coordinates,
            n.ScheduledTimeMs, n.EstimatedDurationMinutes, Status.Scheduled, n.Priority, n.Package.ToJson(), n.Package.Fragile ?? false, null, null, null,
            null, null, null, 0, n.MaxRetries, created, created);
        delivery = delivery with { Id = s.InsertDelivery(delivery) };
        var attempt = FirstAttempt(delivery, CallingCodes.CountryOf(phone));
        s.InsertAttempt(attempt);
        Append(s, ctx, delivery, attempt, Status.Scheduled, created, null, null, null);
        if (n.AgentId is null) return Outcome<DeliveryRecord>.Ok(delivery);
        var agent = ChosenAgent(s, teamId, n.AgentId, delivery);
        return agent.IsOk ? AssignTo(s, ctx, delivery, attempt, agent.Value!) : agent.As<DeliveryRecord>();
    }

    /// <summary>A new delivery's first attempt: scheduled when the delivery was created, for its scheduled time.</summary>
    public static AttemptRecord FirstAttempt(DeliveryRecord delivery, string? country) =>
        new(delivery.Id, 1, delivery.TeamId, null, null, country, delivery.ScheduledTimeMs, delivery.CreatedAtMs, delivery.CreatedAtMs,
            Status.Scheduled, delivery.CreatedAtMs, null, null, null);

    /// <summary>Assigns the named agent, or without one the nearest active agent with room for another delivery.</summary>
    public Outcome<DeliveryRecord> Assign(IDeliveryWriteSession s, DeliveryWriteContext ctx, int teamId, string deliveryId, string? agentId)
    {
        if (s.FindDelivery(teamId, deliveryId) is not { } delivery) return NoDelivery(deliveryId);
        var attempt = s.AttemptsOf(delivery.Id)[^1];
        if (attempt.Status is not (Status.Scheduled or Status.Assigned))
            return Outcome<DeliveryRecord>.Conflict("status", $"the delivery is {Statuses.Name(attempt.Status)}; only a scheduled or assigned delivery can be assigned");
        if (agentId is not null && delivery.AgentId is { } holder && s.FindAgentById(holder)?.PublicId == agentId)
            return Outcome<DeliveryRecord>.Ok(delivery);
        var agent = agentId is null ? NearestWithCapacity(s, teamId, delivery) : ChosenAgent(s, teamId, agentId, delivery);
        return agent.IsOk ? AssignTo(s, ctx, delivery, attempt, agent.Value!) : agent.As<DeliveryRecord>();
    }

    private static Outcome<AgentRecord> ChosenAgent(IDeliveryWriteSession s, int teamId, string agentId, DeliveryRecord delivery)
    {
        if (s.FindAgent(teamId, agentId) is not { } agent) return Outcome<AgentRecord>.Invalid("agent_id", $"no agent '{agentId}' in this team");
        if (!agent.IsActive) return Outcome<AgentRecord>.Conflict("agent_id", $"agent {agentId} is inactive");
        int max = (s.DeliverySettings(teamId) ?? DeliverySettingsRecord.Default).MaxActiveDeliveries;
        long active = s.ActiveDeliveries(teamId, agent.Id);
        return active < max
            ? Outcome<AgentRecord>.Ok(agent)
            : Outcome<AgentRecord>.Conflict("agent_id", $"agent {agentId} has {active} active deliveries, the team's max_active_deliveries ({max})");
    }

    private static Outcome<AgentRecord> NearestWithCapacity(IDeliveryWriteSession s, int teamId, DeliveryRecord delivery)
    {
        int max = (s.DeliverySettings(teamId) ?? DeliverySettingsRecord.Default).MaxActiveDeliveries;
        int seen = 0;
        foreach (var (position, _) in NearestAgents.Outwards(boxes => s.ActiveAgentsWithin(teamId, boxes), delivery.Coordinates, FirstSearchKm, Geo.MaxDistanceKm))
        {
            seen++;
            if (s.ActiveDeliveries(teamId, position.Id) < max) return Outcome<AgentRecord>.Ok(s.FindAgentById(position.Id)!);
        }
        return Outcome<AgentRecord>.Conflict("agent_id", seen == 0
            ? "no agent could be chosen: the team has no active agent with a known location"
            : $"no agent could be chosen: all {seen} active agents with a known location have {max} active deliveries, the team's max_active_deliveries");
    }

    private static Outcome<DeliveryRecord> AssignTo(IDeliveryWriteSession s, DeliveryWriteContext ctx, DeliveryRecord delivery, AttemptRecord attempt, AgentRecord agent)
    {
        long now = ctx.NowMs;
        attempt = Moved(attempt, Status.Assigned, now) with { AgentId = agent.Id, AssignedAtMs = now };
        s.UpdateAttempt(attempt);
        delivery = delivery with { AgentId = agent.Id, Status = attempt.Status, UpdatedAtMs = now };
        s.UpdateDelivery(delivery);
        // The assignment names its agent in its notes only: the item's agent is the one who carries it (in transit or later),
        // so reassigning before the trip does not pin the attempt on the first agent.
        Append(s, ctx, delivery, attempt, Status.Assigned, now, null, $"assigned to {agent.PublicId}", null);
        ctx.Assigned(new AgentAssignment(agent.Id, delivery.PublicId, delivery.Address, delivery.ScheduledTimeMs));
        return Outcome<DeliveryRecord>.Ok(delivery);
    }

    /// <summary>
    /// Records a tracking event on the latest attempt, or on the earlier one it names (a late report of an attempt that was
    /// already rescheduled: attempts are told apart by number, not by the clocks of the devices that report). A failed latest
    /// attempt with retries left makes a new attempt, scheduled in the customer's next preferred window.
    /// </summary>
    public Outcome<DeliveryRecord> Track(IDeliveryWriteSession s, DeliveryWriteContext ctx, int teamId, string deliveryId, TrackingInput t, AgentCaller? caller)
    {
        if (s.FindDelivery(teamId, deliveryId) is not { } delivery) return NoDelivery(deliveryId);
        var attempts = s.AttemptsOf(delivery.Id);
        long at = t.OccurredAtMs ?? ctx.NowMs;
        var attempt = t.Attempt is { } n ? attempts.FirstOrDefault(a => a.Attempt == n) : attempts[^1];
        if (attempt is null) return Outcome<DeliveryRecord>.Invalid("attempt", $"the delivery has attempts 1 to {attempts.Count}");
        bool latest = attempt.Attempt == attempts[^1].Attempt;
        if (caller is { IsAdmin: false } && attempt.AgentId != caller.AgentId) return NoDelivery(deliveryId);
        if (t.Status is Status.InTransit or Status.Completed && attempt.AgentId is null)
            return Outcome<DeliveryRecord>.Conflict("status", $"the delivery has no agent; assign one before it is {Statuses.Name(t.Status)}");
        var holder = attempt.AgentId is { } holderId ? s.FindAgentById(holderId) : null;
        var carrier = t.Status is Status.InTransit or Status.Completed or Status.Failed ? holder : null;
        Append(s, ctx, delivery, attempt, t.Status, at, t.Location, t.Notes, carrier);

        var moved = Moved(attempt, t.Status, at) with
        {
            CarrierId = attempt.CarrierId ?? carrier?.Id,
            InTransitAtMs = t.Status == Status.InTransit ? Earlier(attempt.InTransitAtMs, at) : attempt.InTransitAtMs,
            CompletedAtMs = t.Status == Status.Completed ? Earlier(attempt.CompletedAtMs, at) : attempt.CompletedAtMs,
        };
        s.UpdateAttempt(moved);
        if (!latest) return Outcome<DeliveryRecord>.Ok(delivery);

        delivery = delivery with
        {
            Status = moved.Status,
            ActualDeliveryTimeMs = moved.Status == Status.Completed ? moved.CompletedAtMs : delivery.ActualDeliveryTimeMs,
            UpdatedAtMs = ctx.NowMs,
        };
        if (attempt.Status != Status.Failed && moved.Status == Status.Failed && delivery.RetryCount < delivery.MaxRetries)
            delivery = Reschedule(s, ctx, delivery, moved, at);
        s.UpdateDelivery(delivery);
        return Outcome<DeliveryRecord>.Ok(delivery);
    }

    /// <summary>The next attempt: in the customer's next preferred window after the team's retry backoff, in its time zone.</summary>
    private DeliveryRecord Reschedule(IDeliveryWriteSession s, DeliveryWriteContext ctx, DeliveryRecord delivery, AttemptRecord failed, long failedAt)
    {
        var customer = s.FindCustomer(delivery.TeamId, delivery.CustomerId)!;
        var settings = s.DeliverySettings(delivery.TeamId) ?? DeliverySettingsRecord.Default;
        long after = Math.Max(failedAt, ctx.NowMs) + settings.RetryBackoffMinutes * 60_000L;
        var zone = TimeZones.Find(customer.TimeZone ?? contacts.ComplianceSettings(delivery.TeamId)?.TimeZone ?? QuietRule.DefaultZone) ?? TimeZoneInfo.Utc;
        long next = PreferredWindows.NextStart(customer.Preferences, zone, after);
        // The new attempt starts when Herald records the reschedule, whatever time the failure report carried.
        long now = ctx.NowMs;
        var attempt = new AttemptRecord(delivery.Id, failed.Attempt + 1, delivery.TeamId, null, null, CallingCodes.CountryOf(customer.Phone), next,
            now, now, Status.Scheduled, now, null, null, null);
        s.InsertAttempt(attempt);
        var rescheduled = delivery with { Status = Status.Scheduled, AgentId = null, ScheduledTimeMs = next, RetryCount = delivery.RetryCount + 1 };
        Append(s, ctx, rescheduled, attempt, Status.Scheduled, now, null, $"rescheduled after failed attempt {failed.Attempt}", null);
        return rescheduled;
    }

    public Outcome<DeliveryRecord> Change(IDeliveryWriteSession s, DeliveryWriteContext ctx, int teamId, string deliveryId, DeliveryChange c)
    {
        if (s.FindDelivery(teamId, deliveryId) is not { } delivery) return NoDelivery(deliveryId);
        if (c.MaxRetries is { } max && max < delivery.RetryCount)
            return Outcome<DeliveryRecord>.Invalid("max_retries", $"must be at least the retries already made ({delivery.RetryCount})");
        delivery = delivery with
        {
            Address = c.Address ?? delivery.Address,
            Coordinates = c.Coordinates ?? delivery.Coordinates,
            ScheduledTimeMs = c.ScheduledTimeMs ?? delivery.ScheduledTimeMs,
            EstimatedDurationMinutes = c.EstimatedDurationMinutes ?? delivery.EstimatedDurationMinutes,
            Priority = c.Priority ?? delivery.Priority,
            PackageDetailsJson = c.Package is { } p ? p.ToJson() : delivery.PackageDetailsJson,
            Fragile = c.Package is { } q ? q.Fragile ?? false : delivery.Fragile,
            MaxRetries = c.MaxRetries ?? delivery.MaxRetries,
            UpdatedAtMs = ctx.NowMs,
        };
        s.UpdateDelivery(delivery);
        // The latest attempt keeps the schedule it is judged on time against.
        if (c.ScheduledTimeMs is { } scheduled) s.UpdateAttempt(s.AttemptsOf(delivery.Id)[^1] with { ScheduledTimeMs = scheduled });
        return Outcome<DeliveryRecord>.Ok(delivery);
    }

    public static Outcome<DeliveryRecord> Feedback(IDeliveryWriteSession s, DeliveryWriteContext ctx, int teamId, string deliveryId, int rating, string? comments)
    {
        if (s.FindDelivery(teamId, deliveryId) is not { } delivery) return NoDelivery(deliveryId);
        if (delivery.Status != Status.Completed)
            return Outcome<DeliveryRecord>.Conflict("status", $"feedback is for a completed delivery; this one is {Statuses.Name(delivery.Status)}");
        if (delivery.FeedbackRating is not null) return Outcome<DeliveryRecord>.Conflict("rating", "this delivery already has its feedback");
        delivery = delivery with { FeedbackRating = rating, FeedbackComments = comments, FeedbackAtMs = ctx.NowMs, UpdatedAtMs = ctx.NowMs };
        s.UpdateDelivery(delivery);
        return Outcome<DeliveryRecord>.Ok(delivery);
    }

    /// <summary>The attempt after a status event by the parcel lattice: a higher rank wins, a lower one is only recorded.</summary>
    private static AttemptRecord Moved(AttemptRecord a, Status status, long at)
    {
        var moved = a with { EarliestAtMs = Math.Min(a.EarliestAtMs, at) };
        return StatusLattice.Supersedes(ItemKind.Parcel, status, at, a.Status, a.StatusAtMs) ? moved with { Status = status, StatusAtMs = at } : moved;
    }

    private static long Earlier(long? current, long at) => current is { } c ? Math.Min(c, at) : at;

    private static void Append(IDeliveryWriteSession s, DeliveryWriteContext ctx, DeliveryRecord d, AttemptRecord a, Status status, long at,
        GeoPoint? location, string? notes, AgentRecord? carrier)
    {
        long id = s.AppendTracking(new TrackingRecord(0, d.Id, a.Attempt, status, at, location, notes, carrier?.Id, ctx.NowMs));
        ctx.Emit(new TrackedEvent(id, d.TeamId, d.PublicId, a.Attempt, status, at, location, notes, carrier?.PublicId, a.Country));
    }

    private static Outcome<DeliveryRecord> NoDelivery(string id) => Outcome<DeliveryRecord>.NotFound($"no delivery '{id}'");
}
