namespace Herald.Storage.Sqlite;

public sealed partial class SqliteStore : IUtilizationStore
{
    public void InsertUtilizationSample(UtilizationSample sample)
    {
        using var c = Open();
        Execute(c, null, SqliteSql.InsertUtilizationSample, ("$at", sample.AtMs), ("$interval", sample.IntervalMs), ("$cpu", sample.CpuPercent),
            ("$memory", sample.MemoryPercent), ("$memory_bytes", sample.MemoryBytes), ("$disk", sample.DiskPercent), ("$disk_free", sample.DiskFreeBytes),
            ("$db", sample.DatabaseBytes), ("$queue", sample.QueueDepth), ("$events", sample.Events), ("$requests", sample.Requests), ("$server_errors", sample.ServerErrors),
            ("$client_errors", sample.ClientErrors), ("$latency_total", sample.LatencyTotalMs), ("$latency_max", sample.LatencyMaxMs), ("$histogram", sample.LatencyHistogram),
            ("$network", sample.NetworkBytes));
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
