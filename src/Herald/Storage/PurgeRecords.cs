using Herald.Domain;

namespace Herald.Storage;

/// <summary>The collections whose retention deletes rows one candidate at a time (and can archive them first).</summary>
public enum PurgeCollection
{
    RawEvents,
    Items,
    Contacts,
    Deliveries,
    Recordings,
    AlertHistory,
    Snapshots,
    ConsentChanges,
    MinuteRollups,
    HourRollups,
    DayRollups,
    MonthRollups,
    HourFailureCells,
    DayFailureCells,
    MonthFailureCells,
    Audit,
    Otps,
    OtpAttempts,
    SystemMetrics,
    UtilizationSamples,
    Reports,
}

/// <summary>The per-granularity collections of the engine's cells.</summary>
public static class PurgeCollections
{
    public static PurgeCollection Rollups(Granularity g) => g switch
    {
        Granularity.Minute => PurgeCollection.MinuteRollups,
        Granularity.Hour => PurgeCollection.HourRollups,
        Granularity.Day => PurgeCollection.DayRollups,
        Granularity.Month => PurgeCollection.MonthRollups,
        _ => throw new ArgumentOutOfRangeException(nameof(g), g, "not a stored granularity"),
    };

    public static PurgeCollection FailureCells(Granularity g) => g switch
    {
        Granularity.Hour => PurgeCollection.HourFailureCells,
        Granularity.Day => PurgeCollection.DayFailureCells,
        Granularity.Month => PurgeCollection.MonthFailureCells,
        _ => throw new ArgumentOutOfRangeException(nameof(g), g, "no failure cells of this granularity"),
    };
}

/// <summary>
/// One row a retention policy deletes, by its primary key (one or more column values, in the key's order), with the time
/// its policy judges it by (Unix ms), which archive names are made from.
/// </summary>
public sealed record PurgeCandidate(object[] Key, long AtMs);

/// <summary>
/// What a delete took: the candidates deleted (still matching the policy), and the keys of the files that belonged to them
/// (recordings' audio, report files), which go after the rows.
/// </summary>
public sealed record PurgeResult(int Deleted, IReadOnlyList<string> FileKeys);

/// <summary>
/// Retention's row-by-row deletes. A candidate is a row of the collection's main table that the policy matches at
/// <c>beforeMs</c>; deleting it deletes the rows that belong to it (a delivery's attempts, tracking events, calls and
/// recordings; an alert's notifications) in the same transaction, and only when it still matches the policy then.
/// </summary>
public interface IPurgeStore
{
    /// <summary>Up to <paramref name="limit"/> candidates in key order, after <paramref name="after"/> (from the first when null).</summary>
    IReadOnlyList<PurgeCandidate> SelectPurgeCandidates(PurgeCollection collection, long beforeMs, long nowMs, PurgeCandidate? after, int limit);

    /// <summary>Every stored row of the candidates, main table first then the rows belonging to them: table name and columns.</summary>
    void ReadPurgeRows(PurgeCollection collection, IReadOnlyList<PurgeCandidate> candidates, Action<string, IReadOnlyList<(string Column, object? Value)>> visit);

    /// <summary>Deletes the candidates that still match the policy, with their rows, in one transaction.</summary>
    PurgeResult DeletePurgeCandidates(PurgeCollection collection, long beforeMs, long nowMs, IReadOnlyList<PurgeCandidate> candidates);
}
