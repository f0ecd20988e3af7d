using Herald.Analytics;
using Herald.Domain;

namespace Herald.Otp;

/// <summary>Attempts of a window: every attempt is an engine item of kind otp whose provider is the service.</summary>
public sealed record AttemptStats(long Attempts, long Succeeded, long Failed, long Delivered, LatencySummary? VerifyLatency)
{
    public static readonly AttemptStats Empty = new(0, 0, 0, 0, null);

    public double FailureRatePercent => MetricTotals.Percent(Failed, Attempts);
    public double SuccessRatePercent => MetricTotals.Percent(Succeeded, Attempts);

    /// <summary>An attempt succeeded when its service took the message (sent), and stays so once the code is verified (delivered).</summary>
    public static AttemptStats From(MetricTotals t) => new(t.Total, t.Total - t.Failed, t.Failed, t.Delivered, t.Latency);
}

/// <summary>Reads OTP attempt figures from the engine's rollups (the same cells every other metric comes from).</summary>
public sealed class OtpAttemptStats(MetricsQuery metrics, TimeProvider time)
{
    private static MetricFilter OtpFilter() => new MetricFilter().Allow(Dimension.Kind, ["otp"]);

    /// <summary>The window of the last <paramref name="minutes"/> whole minutes, the current one included.</summary>
    public (UtcMinute From, UtcMinute To) LastMinutes(int minutes)
    {
        var to = UtcMinute.FromDateTimeOffset(time.GetUtcNow()).Next(Granularity.Minute);
        return (new UtcMinute(to.Value - minutes), to);
    }

    public AttemptStats All(int teamId, UtcMinute from, UtcMinute to) =>
        AttemptStats.From(metrics.Summary([teamId], OtpFilter(), from, to));

    /// <summary>Per service (provider) in one read.</summary>
    public Dictionary<string, AttemptStats> ByService(int teamId, UtcMinute from, UtcMinute to)
    {
        var result = new Dictionary<string, AttemptStats>(StringComparer.Ordinal);
        foreach (var (key, totals) in metrics.Breakdown([teamId], OtpFilter(), Dimension.Provider, from, to, _ => ""))
            if (key is not null && totals.Total > 0) result[key] = AttemptStats.From(totals);
        return result;
    }

    public IReadOnlyList<(UtcMinute Bucket, AttemptStats Stats)> Daily(int teamId, UtcMinute from, UtcMinute to)
    {
        var points = metrics.Timeseries([teamId], OtpFilter(), from, to, Granularity.Day);
        var list = new List<(UtcMinute, AttemptStats)>(points.Count);
        foreach (var (bucket, totals) in points) list.Add((bucket, AttemptStats.From(totals)));
        return list;
    }
}
