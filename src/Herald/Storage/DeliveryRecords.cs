using Herald.Domain;

namespace Herald.Storage;

/// <summary>A delivery agent. Phone (E.164) and email (lower case) are unique among the team's agents that are not deleted.</summary>
public sealed record AgentRecord(
    long Id, string PublicId, int TeamId, string Name, string Phone, string Email, string PasswordHash, string Role, bool IsActive,
    GeoPoint? Location, long? LocatedAtMs, string? PushSubscriptionJson, long? LastLoginMs, int LoginCount, int FailedSignIns,
    long? LockedUntilMs, int CredentialsVersion, long CreatedAtMs, long UpdatedAtMs);

/// <summary>What an agent's record says of its work, computed from the deliveries and attempts stored.</summary>
/// <param name="TotalDeliveries">Attempts the agent carried (the attempts whose engine item names the agent).</param>
/// <param name="ResponseTimeMinutes">Mean minutes from assignment to in transit, over the attempts that have both.</param>
public sealed record AgentFigures(long ActiveDeliveries, long TotalDeliveries, long SuccessfulDeliveries, double? AverageRating, double? ResponseTimeMinutes)
{
    public static readonly AgentFigures None = new(0, 0, 0, null, null);
}

/// <summary>An agent that can take work, within reach of a point, from the spatial index.</summary>
public readonly record struct AgentPosition(long Id, GeoPoint Location);

/// <summary>A customer: a team's contact (one row per phone) with a customer id, name and delivery preferences.</summary>
/// <param name="TimeZone">The contact's own IANA time zone (null: the team's).</param>
public sealed record CustomerRecord(
    string PublicId, int TeamId, string Phone, string Name, string? Email, string? Address, CustomerPreferences Preferences, string? TimeZone,
    long CreatedAtMs, long UpdatedAtMs);

/// <param name="PreferredTimes">Local windows "HH:MM-HH:MM", start before end.</param>
/// <param name="PreferredDays">Lower-case English weekday names.</param>
public sealed record CustomerPreferences(
    IReadOnlyList<string> PreferredTimes, IReadOnlyList<string> PreferredDays, string? DeliveryInstructions, string ContactMethod, string Language)
{
    public static readonly CustomerPreferences Default = new([], [], null, "call", "en");
}

/// <summary>What a customer's record says of its deliveries, computed from the deliveries stored.</summary>
public sealed record CustomerFigures(long TotalDeliveries, long SuccessfulDeliveries, long? LastDeliveryAtMs, double? Rating)
{
    public static readonly CustomerFigures None = new(0, 0, null, null);
}

public enum DeliveryPriority : byte { Low = 1, Normal = 2, High = 3, Urgent = 4 }

/// <summary>A delivery as stored: its current state is its latest attempt's.</summary>
/// <param name="AgentId">The agent holding the latest attempt (the agents table's id), null when none.</param>
public sealed record DeliveryRecord(
    long Id, string PublicId, int TeamId, string CustomerId, long? AgentId, string Address, GeoPoint Coordinates, long ScheduledTimeMs,
    int EstimatedDurationMinutes, Status Status, DeliveryPriority Priority, string? PackageDetailsJson, bool Fragile, string? CallLogId,
    string? RecordingId, long? ActualDeliveryTimeMs, int? FeedbackRating, string? FeedbackComments, long? FeedbackAtMs, int RetryCount,
    int MaxRetries, long CreatedAtMs, long UpdatedAtMs)
{
    public int Attempt => RetryCount + 1;
}

/// <summary>
/// One attempt of a delivery: its own engine item. <paramref name="AgentId"/> holds it now; <paramref name="CarrierId"/> is
/// the agent its engine item names (the first carrying event's), against whom its outcome counts.
/// </summary>
public sealed record AttemptRecord(
    long DeliveryId, int Attempt, int TeamId, long? AgentId, long? CarrierId, string? Country, long ScheduledTimeMs, long StartedAtMs,
    long EarliestAtMs, Status Status, long StatusAtMs, long? AssignedAtMs, long? InTransitAtMs, long? CompletedAtMs);

/// <summary>One tracking event of a delivery. Each is one engine event of its attempt's item.</summary>
/// <param name="AgentId">The agent the engine event names (null: it names none).</param>
public sealed record TrackingRecord(
    long Id, long DeliveryId, int Attempt, Status Status, long OccurredAtMs, GeoPoint? Location, string? Notes, long? AgentId, long RecordedAtMs);

/// <summary>A tracking event with what its engine event needs from the delivery, attempt and agent.</summary>
public sealed record TrackedEvent(
    long TrackingId, int TeamId, string DeliveryPublicId, int Attempt, Status Status, long OccurredAtMs, GeoPoint? Location, string? Notes,
    string? AgentPublicId, string? Country);

/// <summary>A team's delivery settings. <paramref name="TwilioJson"/> holds the Twilio credentials, the auth token included.</summary>
public sealed record DeliverySettingsRecord(int MaxActiveDeliveries, int RetryBackoffMinutes, string? TwilioJson, long UpdatedAtMs)
{
    public static readonly DeliverySettingsRecord Default = new(5, 60, null, 0);
}

/// <summary>Which deliveries a list reads: every filter is optional; a null set matches everything.</summary>
public sealed record DeliveryListQuery(
    int TeamId, IReadOnlyList<Status>? Statuses, IReadOnlyList<long>? AgentIds, IReadOnlyList<string>? CustomerIds,
    IReadOnlyList<DeliveryPriority>? Priorities, bool? Fragile, long? CreatedFromMs, long? CreatedToMs, DeliveryCursor? Before, int Limit);

/// <summary>Where a page of deliveries ends: the last one's creation time and id.</summary>
public readonly record struct DeliveryCursor(long CreatedAtMs, long Id);

/// <summary>An attempt in an analytics window, with its delivery's figures.</summary>
public sealed record AttemptFact(
    long DeliveryId, int Attempt, long? CarrierId, string? CarrierPublicId, string? Country, Status Status, long EarliestAtMs, long ScheduledTimeMs,
    int EstimatedDurationMinutes, long? AssignedAtMs, long? InTransitAtMs, long? CompletedAtMs, bool IsLatest, int? FeedbackRating);

/// <summary>A value that must be unique among a team's records is taken; <see cref="Field"/> names it.</summary>
public sealed class DuplicateFieldException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>A team's delivery agents.</summary>
public interface IAgentStore
{
    /// <exception cref="DuplicateFieldException">phone or email is taken.</exception>
    AgentRecord CreateAgent(AgentRecord agent);
    AgentRecord? FindAgent(int teamId, string publicId);
    AgentRecord? FindAgentById(long id);
    AgentRecord? FindAgentByEmail(int teamId, string email);
    AgentRecord? FindAgentByPhone(int teamId, string phone);
    /// <summary>Agents in id order after <paramref name="afterId"/>; null filters match all.</summary>
    IReadOnlyList<AgentRecord> ListAgents(int teamId, string? role, bool? isActive, long afterId, int limit);
    /// <exception cref="DuplicateFieldException">phone or email is taken.</exception>
    AgentRecord UpdateAgent(AgentRecord agent);
    /// <summary>Deletes the agent unless it holds active deliveries; answers how many it holds (0 when deleted).</summary>
    long DeleteAgent(long id, long nowMs);
    void SetAgentLocation(long id, GeoPoint location, long nowMs);
    void SetPushSubscription(long id, string? subscriptionJson, long nowMs);
    /// <summary>Removes the agent's subscription if it is still <paramref name="subscriptionJson"/>; true when removed.</summary>
    bool ClearPushSubscription(long id, string subscriptionJson, long nowMs);
    void RecordSignIn(long id, long nowMs);
    /// <summary>Counts a failed sign-in; at <paramref name="maxFailures"/> in a row the sign-in locks until the answer.</summary>
    long? RecordFailedSignIn(long id, int maxFailures, long lockUntilMs);
    /// <summary>The team's active agents with a location inside any of the boxes.</summary>
    IReadOnlyList<AgentPosition> ActiveAgentsWithin(int teamId, IReadOnlyList<GeoBox> boxes);
    /// <summary>Public ids and names of agents by their store ids.</summary>
    IReadOnlyDictionary<long, (string PublicId, string Name)> AgentLabels(IReadOnlyList<long> agentIds);
    IReadOnlyDictionary<long, AgentFigures> AgentFigures(int teamId, IReadOnlyList<long> agentIds);
}

/// <summary>Customers: the team's contacts that have a customer id. Their time zone is the contact's.</summary>
public interface ICustomerStore
{
    /// <summary>Makes the phone's contact a customer (creating the contact when there is none).</summary>
    /// <exception cref="DuplicateFieldException">the phone is already a customer's.</exception>
    CustomerRecord CreateCustomer(CustomerRecord customer);
    CustomerRecord? FindCustomer(int teamId, string publicId);
    /// <summary>Customers newest first, before the cursor (created_at, id) when given.</summary>
    IReadOnlyList<CustomerRecord> ListCustomers(int teamId, (long CreatedAtMs, string PublicId)? before, int limit);
    /// <exception cref="DuplicateFieldException">the new phone is another contact's.</exception>
    CustomerRecord UpdateCustomer(CustomerRecord customer, string previousPhone);
    /// <summary>Deletes the customer (its contact row) unless deliveries name it; answers how many do (0 when deleted).</summary>
    long DeleteCustomer(int teamId, string publicId);
    IReadOnlyDictionary<string, CustomerFigures> CustomerFigures(int teamId, IReadOnlyList<string> publicIds);
}

/// <summary>Deliveries, their attempts and tracking events, and the teams' delivery settings.</summary>
public interface IDeliveryStore
{
    /// <summary>The one session that changes deliveries: a transaction over every command of a group.</summary>
    IDeliveryWriteSession BeginDeliveryWrite();
    DeliveryRecord? FindDelivery(int teamId, string publicId);
    IReadOnlyList<DeliveryRecord> ListDeliveries(DeliveryListQuery query);
    IReadOnlyList<TrackingRecord> TrackingOf(IReadOnlyList<long> deliveryIds);
    IReadOnlyList<AttemptRecord> AttemptsOf(long deliveryId);
    /// <summary>Public ids of agents by their store ids (deleted agents included).</summary>
    IReadOnlyDictionary<long, string> AgentPublicIds(IReadOnlyList<long> agentIds);
    DeliverySettingsRecord? DeliverySettings(int teamId);
    void SaveDeliverySettings(int teamId, DeliverySettingsRecord settings);
    /// <summary>The attempts of a team whose earliest event is in [from, to).</summary>
    IReadOnlyList<AttemptFact> AttemptsIn(int teamId, long fromMs, long toMs);
    /// <summary>When the newest delivery was created (0 when there is none).</summary>
    long LastDeliveryCreatedAtMs();
    /// <summary>Every tracking event up to this id is known to be in the engine.</summary>
    long EngineSyncedThrough();
    void SetEngineSyncedThrough(long trackingId);
    /// <summary>Tracking events after an id, in id order, with what their engine events need.</summary>
    IReadOnlyList<TrackedEvent> TrackedEventsAfter(long trackingId, int limit);
}

/// <summary>
/// The delivery writer's transaction. Each command runs inside a savepoint, so a command that fails leaves the others'
/// changes in the group intact and its own undone.
/// </summary>
public interface IDeliveryWriteSession : IDisposable
{
    void Savepoint();
    void ReleaseSavepoint();
    void RollbackToSavepoint();
    CustomerRecord? FindCustomer(int teamId, string publicId);

    /// <summary>The customer's phone alone (what a new delivery needs of it, without opening the other fields); null when the team has no such customer.</summary>
    string? CustomerPhone(int teamId, string publicId);

    AgentRecord? FindAgent(int teamId, string publicId);
    AgentRecord? FindAgentById(long id);
    DeliveryRecord? FindDelivery(int teamId, string publicId);
    IReadOnlyList<AttemptRecord> AttemptsOf(long deliveryId);
    long InsertDelivery(DeliveryRecord delivery);
    void UpdateDelivery(DeliveryRecord delivery);
    void InsertAttempt(AttemptRecord attempt);
    void UpdateAttempt(AttemptRecord attempt);
    long AppendTracking(TrackingRecord tracking);
    long ActiveDeliveries(int teamId, long agentId);
    IReadOnlyList<AgentPosition> ActiveAgentsWithin(int teamId, IReadOnlyList<GeoBox> boxes);
    DeliverySettingsRecord? DeliverySettings(int teamId);
    void SetEngineSyncedThrough(long trackingId);

    /// <summary>Appends audit entries to the trail's chain in this transaction (it holds the write lock, so the chain cannot fork).</summary>
    void AppendAudit(IReadOnlyList<AuditEntry> entries);

    void Commit();
}
