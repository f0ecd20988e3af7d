namespace Herald.Storage;

/// <summary>One run of the server: when it started and when it was last seen alive (Unix ms).</summary>
public readonly record struct ServerRun(long Id, long StartedAtMs, long LastSeenAtMs);

/// <summary>The database's size on one UTC day (days since the Unix epoch): the day's latest sample.</summary>
public readonly record struct DatabaseSizeSample(long Day, long Bytes, long SampledAtMs);

/// <summary>What Herald remembers of itself across restarts: its runs (for uptime) and its daily database size (for capacity).</summary>
public interface IServerHistoryStore
{
    long StartServerRun(long nowMs);
    void SeeServerRun(long runId, long nowMs);
    /// <summary>Runs alive at some point of [from, to), oldest first.</summary>
    IReadOnlyList<ServerRun> ServerRunsBetween(long fromMs, long toMs);
    /// <summary>When the first run recorded started; null before any.</summary>
    long? FirstServerRunAt();
    /// <summary>Sets the day's sample (the latest of the day wins).</summary>
    void RecordDatabaseSize(long day, long bytes, long nowMs);
    /// <summary>Samples from <paramref name="fromDay"/> on, by day.</summary>
    IReadOnlyList<DatabaseSizeSample> DatabaseSizes(long fromDay);
}
