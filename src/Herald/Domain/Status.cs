namespace Herald.Domain;

/// <summary>
/// Every status word of every kind. The numeric codes are persisted (events, rollup blobs); never renumber.
/// A status means something only together with a kind: see <see cref="StatusLattice"/>.
/// </summary>
public enum Status : byte
{
    Queued = 1,
    Sent = 2,
    Failed = 3,
    Undelivered = 4,
    Expired = 5,
    Delivered = 6,
    Read = 7,
    Replied = 8,
    Pending = 9,
    Ringing = 10,
    Busy = 11,
    NoAnswer = 12,
    Canceled = 13,
    InProgress = 14,
    Completed = 15,
    Scheduled = 16,
    Assigned = 17,
    InTransit = 18,
    Cancelled = 19,
}

public static class Statuses
{
    /// <summary>One past the highest code: the size of arrays indexed by status.</summary>
    public const int CodeLimit = 20;

    private static readonly string[] Names = BuildNames();

    public static string Name(Status status) => Names[(int)status];

    public static string Name(int code) => code > 0 && code < CodeLimit ? Names[code] : "unknown";

    public static bool TryParse(string? value, out Status status)
    {
        status = value switch
        {
            "queued" => Status.Queued,
            "sent" => Status.Sent,
            "failed" => Status.Failed,
            "undelivered" => Status.Undelivered,
            "expired" => Status.Expired,
            "delivered" => Status.Delivered,
            "read" => Status.Read,
            "replied" => Status.Replied,
            "pending" => Status.Pending,
            "ringing" => Status.Ringing,
            "busy" => Status.Busy,
            "no-answer" => Status.NoAnswer,
            "canceled" => Status.Canceled,
            "in-progress" => Status.InProgress,
            "completed" => Status.Completed,
            "scheduled" => Status.Scheduled,
            "assigned" => Status.Assigned,
            "in_transit" => Status.InTransit,
            "cancelled" => Status.Cancelled,
            _ => 0,
        };
        return status != 0;
    }

    private static string[] BuildNames()
    {
        var names = new string[CodeLimit];
        names[0] = "unknown";
        names[(int)Status.Queued] = "queued";
        names[(int)Status.Sent] = "sent";
        names[(int)Status.Failed] = "failed";
        names[(int)Status.Undelivered] = "undelivered";
        names[(int)Status.Expired] = "expired";
        names[(int)Status.Delivered] = "delivered";
        names[(int)Status.Read] = "read";
        names[(int)Status.Replied] = "replied";
        names[(int)Status.Pending] = "pending";
        names[(int)Status.Ringing] = "ringing";
        names[(int)Status.Busy] = "busy";
        names[(int)Status.NoAnswer] = "no-answer";
        names[(int)Status.Canceled] = "canceled";
        names[(int)Status.InProgress] = "in-progress";
        names[(int)Status.Completed] = "completed";
        names[(int)Status.Scheduled] = "scheduled";
        names[(int)Status.Assigned] = "assigned";
        names[(int)Status.InTransit] = "in_transit";
        names[(int)Status.Cancelled] = "cancelled";
        return names;
    }
}
