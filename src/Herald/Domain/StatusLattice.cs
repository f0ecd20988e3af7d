namespace Herald.Domain;

/// <summary>How a current status counts in outcome metrics.</summary>
public enum Outcome : byte
{
    Pending = 0,
    Delivered = 1,
    Failed = 2,
}

/// <summary>
/// The ranked lifecycle of each kind (PRODUCT.md, "Status lattice"). An item's current status is the
/// highest-ranked status it has reported; among equal ranks the latest by occurred_at; on an exact tie
/// of time the higher status code, so the answer never depends on arrival order.
/// </summary>
public static class StatusLattice
{
    private const sbyte NotInKind = -1;

    // [kind, status] -> rank, or -1 when the status does not belong to the kind.
    private static readonly sbyte[,] Ranks = BuildRanks();
    private static readonly sbyte[] SuccessRank = BuildSuccessRanks();
    private static readonly bool[,] Failures = BuildFailures();

    /// <summary>
    /// Every status that is a failure of some kind, by code (failed, undelivered, expired, busy, no-answer, canceled, cancelled):
    /// an event with one of them, or with an error code, is a failing event. Storage's failure index is built on this list.
    /// </summary>
    public static readonly IReadOnlyList<Status> FailureStatuses = Enumerable.Range(1, Statuses.CodeLimit - 1)
        .Where(s => ItemKinds.All.Any(k => Failures[(int)k, s])).Select(s => (Status)s).ToArray();

    public static bool Allows(ItemKind kind, Status status) => Ranks[(int)kind, (int)status] != NotInKind;

    public static int Rank(ItemKind kind, Status status) => Ranks[(int)kind, (int)status];

    /// <summary>True when the status is the kind's success status or ranks beyond it (delivered, read, replied...).</summary>
    public static bool IsSuccessOrBeyond(ItemKind kind, Status status) => Ranks[(int)kind, (int)status] >= SuccessRank[(int)kind];

    public static Outcome OutcomeOf(ItemKind kind, Status status)
    {
        if (IsSuccessOrBeyond(kind, status)) return Outcome.Delivered;
        return Failures[(int)kind, (int)status] ? Outcome.Failed : Outcome.Pending;
    }

    /// <summary>Whether a reported (status, time) replaces the current (status, time).</summary>
    public static bool Supersedes(ItemKind kind, Status candidate, long candidateAt, Status current, long currentAt)
    {
        int a = Ranks[(int)kind, (int)candidate], b = Ranks[(int)kind, (int)current];
        if (a != b) return a > b;
        if (candidateAt != currentAt) return candidateAt > currentAt;
        return candidate > current;
    }

    /// <summary>
    /// The kind of a new item whose first event does not say: the one kind that has the status (a provider's
    /// "ringing" callback can only be a call's), else the first of message, otp, call, parcel that has it.
    /// </summary>
    public static ItemKind InferKind(Status status)
    {
        foreach (var kind in ItemKinds.All)
            if (Allows(kind, status)) return kind;
        return ItemKind.Message;
    }

    public static IEnumerable<Status> FailureStatusesOf(ItemKind kind) => StatusesOf(kind).Where(s => Failures[(int)kind, (int)s]);

    public static IEnumerable<Status> StatusesOf(ItemKind kind)
    {
        for (int s = 1; s < Statuses.CodeLimit; s++)
            if (Ranks[(int)kind, s] != NotInKind) yield return (Status)s;
    }

    private static sbyte[,] BuildRanks()
    {
        var ranks = new sbyte[5, Statuses.CodeLimit];
        for (int k = 0; k < 5; k++)
            for (int s = 0; s < Statuses.CodeLimit; s++)
                ranks[k, s] = NotInKind;

        void Set(ItemKind kind, sbyte rank, params Status[] statuses)
        {
            foreach (var s in statuses) ranks[(int)kind, (int)s] = rank;
        }

        Set(ItemKind.Message, 0, Status.Queued);
        Set(ItemKind.Message, 1, Status.Sent);
        Set(ItemKind.Message, 2, Status.Failed, Status.Undelivered, Status.Expired);
        Set(ItemKind.Message, 3, Status.Delivered);
        Set(ItemKind.Message, 4, Status.Read);
        Set(ItemKind.Message, 5, Status.Replied);

        Set(ItemKind.Otp, 0, Status.Pending);
        Set(ItemKind.Otp, 1, Status.Sent);
        Set(ItemKind.Otp, 2, Status.Failed, Status.Expired);
        Set(ItemKind.Otp, 3, Status.Delivered);

        Set(ItemKind.Call, 0, Status.Queued);
        Set(ItemKind.Call, 1, Status.Ringing);
        Set(ItemKind.Call, 2, Status.Busy, Status.NoAnswer, Status.Failed, Status.Canceled);
        Set(ItemKind.Call, 3, Status.InProgress);
        Set(ItemKind.Call, 4, Status.Completed);

        Set(ItemKind.Parcel, 0, Status.Scheduled);
        Set(ItemKind.Parcel, 1, Status.Assigned);
        Set(ItemKind.Parcel, 2, Status.InTransit);
        Set(ItemKind.Parcel, 3, Status.Failed, Status.Cancelled);
        Set(ItemKind.Parcel, 4, Status.Completed);
        return ranks;
    }

    private static sbyte[] BuildSuccessRanks()
    {
        var success = new sbyte[5];
        success[0] = sbyte.MaxValue;
        success[(int)ItemKind.Message] = 3;
        success[(int)ItemKind.Otp] = 3;
        success[(int)ItemKind.Call] = 4;
        success[(int)ItemKind.Parcel] = 4;
        return success;
    }

    private static bool[,] BuildFailures()
    {
        var failures = new bool[5, Statuses.CodeLimit];
        void Set(ItemKind kind, params Status[] statuses)
        {
            foreach (var s in statuses) failures[(int)kind, (int)s] = true;
        }
        Set(ItemKind.Message, Status.Failed, Status.Undelivered, Status.Expired);
        Set(ItemKind.Otp, Status.Failed, Status.Expired);
        Set(ItemKind.Call, Status.Busy, Status.NoAnswer, Status.Failed, Status.Canceled);
        Set(ItemKind.Parcel, Status.Failed, Status.Cancelled);
        return failures;
    }
}
