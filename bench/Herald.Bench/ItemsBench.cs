namespace Herald.Bench;

/// <summary>Item search, streaming exports and the message report's per-message rows over real HTTP (see docs/PERFORMANCE.md).</summary>
public static class ItemsBench
{
    public static Task RunAsync(BenchOptions o, Report report)
    {
        // The endpoints bench's store (the same folder), so one 10 M-event fill serves both.
        string dataDir = Path.Combine(o.Dir, "endpoints");
        bool reuse = o.ReuseStore && File.Exists(Path.Combine(dataDir, "herald.db"));
        var lastEvent = reuse ? EndpointsBench.LastEvent(dataDir) : EndpointsBench.Fill(o, dataDir);
        report.Add("items store", reuse ? "reused" : $"{o.Events:N0} events", $"the last at {DateTimeOffset.FromUnixTimeMilliseconds(lastEvent):u}");
        return Task.CompletedTask;
    }
}
