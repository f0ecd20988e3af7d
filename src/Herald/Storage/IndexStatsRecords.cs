namespace Herald.Storage;

/// <summary>
/// One index and what the query planner's statistics say of it: the rows it holds and how many rows share one value of its first column
/// (the fewer, the more an equality lookup narrows). Null statistics: the planner has not analyzed the index yet.
/// </summary>
public sealed record IndexStats(string Index, string Table, long? PlannerRows, long? RowsPerFirstKey);

/// <summary>When the store last refreshed its planner statistics, and how long it took.</summary>
public sealed record PlannerMaintenance(long? LastRunAtMs, long? LastDurationMs, string? LastError);

/// <summary>Index usage analysis and the maintenance behind it (SQLite: sqlite_stat1; ANALYZE / PRAGMA optimize); sizes come from <see cref="IStoreLayoutReader"/>.</summary>
public interface IIndexStatsStore
{
    IReadOnlyList<IndexStats> IndexStats();
    /// <summary>Refreshes the planner's statistics (bounded work per index); recorded in <see cref="LastPlannerMaintenance"/>.</summary>
    void OptimizePlanner(long nowMs);
    PlannerMaintenance LastPlannerMaintenance();
}
