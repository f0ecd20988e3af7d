namespace Herald.Storage.Sqlite;

public sealed partial class SqliteStore : IServerHistoryStore
{
    public long StartServerRun(long nowMs)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.InsertServerRun, ("$now", nowMs));
        return Convert.ToInt64(cmd.ExecuteScalar());
    }

    public void SeeServerRun(long runId, long nowMs)
    {
        using var c = Open();
        Execute(c, null, SqliteSql.UpdateServerRun, ("$id", runId), ("$now", nowMs));
    }

    public IReadOnlyList<ServerRun> ServerRunsBetween(long fromMs, long toMs)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectServerRuns, ("$from", fromMs), ("$to", toMs));
        using var r = cmd.ExecuteReader();
        var runs = new List<ServerRun>();
        while (r.Read()) runs.Add(new ServerRun(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2)));
        return runs;
    }

    public long? FirstServerRunAt()
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectFirstServerRun);
        return cmd.ExecuteScalar() is long first ? first : null;
    }

    public void RecordDatabaseSize(long day, long bytes, long nowMs)
    {
        using var c = Open();
        Execute(c, null, SqliteSql.UpsertDatabaseSize, ("$day", day), ("$bytes", bytes), ("$now", nowMs));
    }

    public IReadOnlyList<DatabaseSizeSample> DatabaseSizes(long fromDay)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectDatabaseSizes, ("$from", fromDay));
        using var r = cmd.ExecuteReader();
        var samples = new List<DatabaseSizeSample>();
        while (r.Read()) samples.Add(new DatabaseSizeSample(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2)));
        return samples;
    }
}
