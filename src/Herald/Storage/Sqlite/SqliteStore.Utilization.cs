namespace Herald.Storage.Sqlite;

public sealed partial class SqliteStore : IUtilizationStore
{
    public void InsertUtilizationSample(UtilizationSample s)
    {
        using var c = Open();
        Execute(c, null, SqliteSql.InsertUtilizationSample, ("$at", s.AtMs), ("$interval", s.IntervalMs), ("$cpu", s.CpuPercent),
            ("$memory", s.MemoryPercent), ("$memory_bytes", s.MemoryBytes), ("$disk", s.DiskPercent), ("$disk_free", s.DiskFreeBytes),
            ("$db", s.DatabaseBytes), ("$queue", s.QueueDepth), ("$events", s.Events), ("$requests", s.Requests), ("$server_errors", s.ServerErrors),
            ("$client_errors", s.ClientErrors), ("$latency_total", s.LatencyTotalMs), ("$latency_max", s.LatencyMaxMs), ("$histogram", s.LatencyHistogram),
            ("$network", s.NetworkBytes));
    }

    public void ReadUtilizationSamples(long fromMs, long toMs, Action<UtilizationSample> visit)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectUtilizationSamples, ("$from", fromMs), ("$to", toMs));
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            visit(new UtilizationSample(r.GetInt64(0), r.GetInt64(1), r.GetDouble(2), r.GetDouble(3), r.GetInt64(4), r.GetDouble(5), r.GetInt64(6),
                r.GetInt64(7), r.GetInt64(8), r.GetInt64(9), r.GetInt64(10), r.GetInt64(11), r.GetInt64(12), r.GetDouble(13), Double(r, 14),
                r.IsDBNull(15) ? null : (byte[])r.GetValue(15), Long(r, 16)));
        }
    }

    public int DeleteUtilizationSamplesBefore(long beforeMs)
    {
        using var c = Open();
        return Execute(c, null, SqliteSql.DeleteUtilizationSamplesBefore, ("$before", beforeMs));
    }
}
