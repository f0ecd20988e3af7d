using System.Text.Json;
using System.Text.Json.Serialization;
using Herald.Api;
using Herald.Domain;
using Herald.Storage;

namespace Herald.Deliveries;

/// <summary>A GeoJSON Point: <c>{"type":"Point","coordinates":[longitude, latitude]}</c>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record GeoJsonPoint(string? Type, double[]? Coordinates)
{
    public static GeoJsonPoint Of(GeoPoint p) => new("Point", [p.Longitude, p.Latitude]);
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record PackageDimensions(double? Length, double? Width, double? Height);

/// <summary>A delivery's package, as the seed has it; stored whole, answered as stored.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record PackageDetails(
    double? Weight, PackageDimensions? Dimensions, double? Value, bool? Fragile, bool? SignatureRequired, string? SpecialInstructions)
{
    public static readonly PackageDetails None = new(null, null, null, false, false, null);
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static PackageDetails? FromJson(string? json) => json is null ? null : JsonSerializer.Deserialize<PackageDetails>(json, Json);

    /// <summary>The package with its flags defaulted, every number checked; a bad value is a 400 naming it.</summary>
    public PackageDetails Checked()
    {
        static double? Number(string field, double? value, double max, bool positive)
        {
            if (value is not { } v) return null;
            if (!double.IsFinite(v) || v < 0 || (positive && v == 0) || v > max)
                throw new BadParameterException(field, positive ? $"must be a number above 0, at most {max}" : $"must be a number from 0 to {max}");
            return v;
        }
        var dimensions = Dimensions is { } d
            ? new PackageDimensions(Number("package_details.dimensions.length", d.Length, 100_000, true),
                Number("package_details.dimensions.width", d.Width, 100_000, true), Number("package_details.dimensions.height", d.Height, 100_000, true))
            : null;
        return new PackageDetails(Number("package_details.weight", Weight, 1_000_000, false), dimensions,
            Number("package_details.value", Value, 1e12, false), Fragile ?? false, SignatureRequired ?? false,
            Fields.Text("package_details.special_instructions", SpecialInstructions, Fields.MaxNotesLength));
    }
}

public static class DeliveryPriorities
{
    public static readonly string[] Names = ["low", "normal", "high", "urgent"];

    public static string Name(DeliveryPriority p) => Names[(int)p - 1];

    public static DeliveryPriority Parse(string field, string? value) =>
        (DeliveryPriority)(Array.IndexOf(Names, Fields.OneOf(field, value, Names, "normal")) + 1);
}

/// <summary>The statuses a tracking event may report (scheduled and assigned are the server's: creation and /assign).</summary>
public static class TrackingStatuses
{
    public static readonly string[] Names = ["in_transit", "completed", "failed", "cancelled"];
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CreateDeliveryRequest(
    string? CustomerId, string? AgentId, string? Address, GeoJsonPoint? Coordinates, string? ScheduledTime, int? EstimatedDuration,
    string? Priority, PackageDetails? PackageDetails, int? MaxRetries, string? Status, int? RetryCount)
{
    public const int MaxRetriesLimit = 20;
    public const int MaxDurationMinutes = 7 * 24 * 60;

    public NewDelivery Checked()
    {
        Fields.ServerOwned("status", Status, "a new delivery is scheduled; change its status with POST /api/v1/deliveries/{id}/tracking");
        Fields.ServerOwned("retry_count", RetryCount, "is counted by the server");
        return new NewDelivery(
            IdentifierParameter.Require("customer_id", CustomerId),
            AgentId is null ? null : IdentifierParameter.Require("agent_id", AgentId),
            Fields.Line("address", Address, Fields.MaxAddressLength),
            Fields.Point("coordinates", Coordinates),
            Fields.Time("scheduled_time", ScheduledTime),
            Fields.Whole("estimated_duration", EstimatedDuration, 1, MaxDurationMinutes, 30),
            DeliveryPriorities.Parse("priority", Priority),
            (PackageDetails ?? Deliveries.PackageDetails.None).Checked(),
            Fields.Whole("max_retries", MaxRetries, 0, MaxRetriesLimit, 3));
    }
}

/// <summary>A change to a delivery: omitted (or null) fields keep their value; status and agent have their own routes.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record UpdateDeliveryRequest(
    string? Address, GeoJsonPoint? Coordinates, string? ScheduledTime, int? EstimatedDuration, string? Priority, PackageDetails? PackageDetails,
    int? MaxRetries, string? Status, string? AgentId, string? CustomerId, int? RetryCount)
{
    public DeliveryChange Checked()
    {
        Fields.ServerOwned("status", Status, "change it with POST /api/v1/deliveries/{id}/tracking");
        Fields.ServerOwned("agent_id", AgentId, "change it with POST /api/v1/deliveries/{id}/assign");
        Fields.ServerOwned("customer_id", CustomerId, "a delivery's customer cannot change");
        Fields.ServerOwned("retry_count", RetryCount, "is counted by the server");
        return new DeliveryChange(
            Fields.OptionalLine("address", Address, Fields.MaxAddressLength),
            Coordinates is null ? null : Fields.Point("coordinates", Coordinates),
            ScheduledTime is null ? null : Fields.Time("scheduled_time", ScheduledTime),
            EstimatedDuration is null ? null : Fields.Whole("estimated_duration", EstimatedDuration, 1, CreateDeliveryRequest.MaxDurationMinutes, 30),
            Priority is null ? null : DeliveryPriorities.Parse("priority", Priority),
            PackageDetails?.Checked(),
            MaxRetries is null ? null : Fields.Whole("max_retries", MaxRetries, 0, CreateDeliveryRequest.MaxRetriesLimit, 3));
    }
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record AssignRequest(string? AgentId);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record TrackingRequest(string? Status, string? Timestamp, GeoJsonPoint? Location, string? Notes, int? Attempt)
{
    public TrackingInput Checked(long nowMs)
    {
        if (Status is null) throw new BadParameterException("status", "is required: one of " + string.Join(", ", TrackingStatuses.Names));
        if (Status is "scheduled" or "assigned")
            throw new BadParameterException("status", Status == "assigned" ? "assign with POST /api/v1/deliveries/{id}/assign" : "a delivery is scheduled by the server");
        _ = Statuses.TryParse(Fields.OneOf("status", Status, TrackingStatuses.Names, ""), out var status);
        long? at = Timestamp is null ? null : Fields.Time("timestamp", Timestamp);
        // The engine refuses events more than a day ahead: so does the route, before anything is stored.
        if (at > nowMs + TimeSpan.FromDays(1).Ticks / TimeSpan.TicksPerMillisecond)
            throw new BadParameterException("timestamp", "must not be more than 24 hours in the future");
        return new TrackingInput(status, at, Location is null ? null : Fields.Point("location", Location), Fields.Text("notes", Notes, Fields.MaxNotesLength),
            Attempt is null ? null : Fields.Whole("attempt", Attempt, 1, CreateDeliveryRequest.MaxRetriesLimit + 1, 1));
    }
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record FeedbackRequest(int? Rating, string? Comments)
{
    public (int Rating, string? Comments) Checked() =>
        (Rating is null ? throw new BadParameterException("rating", "is required: a whole number from 1 to 5") : Fields.Whole("rating", Rating, 1, 5, 0),
            Fields.Text("comments", Comments, Fields.MaxNotesLength));
}

public sealed record TrackingEventDto(string Status, DateTimeOffset Timestamp, GeoJsonPoint? Location, string? Notes, int Attempt);

public sealed record FeedbackDto(int Rating, string? Comments, DateTimeOffset CreatedAt);

/// <summary>One attempt: its engine item (see <c>/api/v1/items/{item_id}</c>), the agent holding it and the one it counts against.</summary>
public sealed record AttemptDto(int Attempt, string ItemId, string? AgentId, string? CarriedBy, string Status, DateTimeOffset ScheduledTime, DateTimeOffset StartedAt);

public sealed record DeliveryDto(
    string Id, string CustomerId, string? AgentId, string Address, GeoJsonPoint Coordinates, DateTimeOffset ScheduledTime, int EstimatedDuration,
    string Status, string Priority, PackageDetails? PackageDetails, string? CallLogId, string? RecordingId, IReadOnlyList<TrackingEventDto> TrackingEvents,
    DateTimeOffset? ActualDeliveryTime, FeedbackDto? CustomerFeedback, int RetryCount, int MaxRetries, IReadOnlyList<AttemptDto>? Attempts,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record DeliveryPageDto(IReadOnlyList<DeliveryDto> Deliveries, string? NextCursor);

/// <summary>Builds delivery answers from stored rows, a page's tracking events and agents read in one query each.</summary>
public sealed class DeliveryViews(IDeliveryStore store)
{
    public DeliveryDto One(DeliveryRecord d)
    {
        var attempts = store.AttemptsOf(d.Id);
        var agents = store.AgentPublicIds([.. attempts.SelectMany(a => new[] { a.AgentId, a.CarrierId }).OfType<long>(), .. d.AgentId is { } x ? new[] { x } : []]);
        return Dto(d, store.TrackingOf([d.Id]), agents, attempts.Select(a => Attempt(d, a, agents)).ToList());
    }

    /// <summary>
    /// A delivery as its creation just wrote it, without reading it back when it has no agent: then it holds only its first
    /// attempt and the tracking event that scheduled it (<see cref="DeliveryCommands.FirstAttempt"/>). An assigned one is read.
    /// </summary>
    public DeliveryDto Created(DeliveryRecord d)
    {
        if (d.AgentId is not null) return One(d);
        var attempt = DeliveryCommands.FirstAttempt(d, country: null);
        var scheduled = new TrackingRecord(0, d.Id, attempt.Attempt, attempt.Status, attempt.StatusAtMs, null, null, null, d.CreatedAtMs);
        return Dto(d, [scheduled], NoAgents, [Attempt(d, attempt, NoAgents)]);
    }

    private static readonly IReadOnlyDictionary<long, string> NoAgents = new Dictionary<long, string>();

    private static AttemptDto Attempt(DeliveryRecord d, AttemptRecord a, IReadOnlyDictionary<long, string> agents) =>
        new(a.Attempt, DeliveryEngineEvents.ItemId(d.PublicId, a.Attempt), Name(agents, a.AgentId), Name(agents, a.CarrierId), Statuses.Name(a.Status),
            Ts(a.ScheduledTimeMs), Ts(a.StartedAtMs));

    public IReadOnlyList<DeliveryDto> Many(IReadOnlyList<DeliveryRecord> deliveries)
    {
        var tracking = store.TrackingOf(deliveries.Select(d => d.Id).ToList()).ToLookup(t => t.DeliveryId);
        var agents = store.AgentPublicIds(deliveries.Select(d => d.AgentId).OfType<long>().ToList());
        return deliveries.Select(d => Dto(d, tracking[d.Id].ToList(), agents, null)).ToList();
    }

    private static DeliveryDto Dto(DeliveryRecord d, IReadOnlyList<TrackingRecord> tracking, IReadOnlyDictionary<long, string> agents, IReadOnlyList<AttemptDto>? attempts) =>
        new(d.PublicId, d.CustomerId, Name(agents, d.AgentId), d.Address, GeoJsonPoint.Of(d.Coordinates), Ts(d.ScheduledTimeMs), d.EstimatedDurationMinutes,
            Statuses.Name(d.Status), DeliveryPriorities.Name(d.Priority), PackageDetails.FromJson(d.PackageDetailsJson), d.CallLogId, d.RecordingId,
            tracking.Select(t => new TrackingEventDto(Statuses.Name(t.Status), Ts(t.OccurredAtMs), t.Location is { } p ? GeoJsonPoint.Of(p) : null, t.Notes, t.Attempt)).ToList(),
            Instants.At(d.ActualDeliveryTimeMs),
            d.FeedbackRating is { } rating ? new FeedbackDto(rating, d.FeedbackComments, Ts(d.FeedbackAtMs ?? d.UpdatedAtMs)) : null,
            d.RetryCount, d.MaxRetries, attempts, Ts(d.CreatedAtMs), Ts(d.UpdatedAtMs));

    private static string? Name(IReadOnlyDictionary<long, string> agents, long? id) => id is { } x && agents.TryGetValue(x, out var name) ? name : null;

    private static DateTimeOffset Ts(long ms) => Instants.At(ms);
}
