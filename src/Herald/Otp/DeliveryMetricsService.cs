using Herald.Analytics;
using Herald.Analytics.Failures;
using Herald.Domain;
using Herald.Storage;

namespace Herald.Otp;

public sealed record OtpCounts(
    long Total, long Pending, long Sent, long Delivered, long Failed, long Expired, double DeliveryRatePercent, double FailureRatePercent,
    double? AverageTimeToVerifySeconds);

public sealed record OtpDeliveryMetrics(
    int TimeRangeHours, DateTimeOffset From, DateTimeOffset To, OtpCounts Otps, IReadOnlyDictionary<string, OtpCounts> ByMethod,
    IReadOnlyDictionary<string, OtpCounts> ByService, AttemptSummary Attempts);

public sealed record AttemptSummary(
    long Total, long Succeeded, long Failed, double SuccessRatePercent, double FailureRatePercent, double? AverageAttemptsPerOtp,
    LatencySummary? TimeToVerifySeconds);

public sealed record HealthSummary(string Status, int Total, int Enabled, int Healthy, int Degraded, int Critical, int Down);

public sealed record ServiceHealthDto(
    string Name, string Sender, IReadOnlyList<string> Channels, bool Enabled, int Priority, string Status, string Reason,
    bool CircuitOpen, DateTimeOffset? LastValidatedAt, bool? ValidationOk, AttemptSummary LastHour);

public sealed record SystemHealth(string Status, DateTimeOffset CheckedAt, HealthSummary Summary, IReadOnlyList<ServiceHealthDto> Services, int ActiveAlerts);

public sealed record ServicePerformance(
    string Name, string Sender, bool Enabled, int Priority, string Health, long Attempts, long Succeeded, long Failed,
    double SuccessRatePercent, double FailureRatePercent, double? AverageResponseMs, double? P95ResponseMs, long Delivered);

public sealed record TrendPoint(string Date, long Attempts, long Succeeded, long Failed, long Delivered, double SuccessRatePercent, double FailureRatePercent);

public sealed record DeliveryTrends(int Days, IReadOnlyList<TrendPoint> Points, string FailureRateDirection);

public sealed record OtpErrorCount(
    string Code, string ProviderFamily, string Category, string Group, string Description, string Resolution, long Count, long PreviousCount, double Percentage);

/// <summary>Seed 000's failure analysis: <c>categories</c> are its four (network, validation, rate_limit, other).</summary>
public sealed record OtpFailureAnalysis(
    int TimeRangeHours, DateTimeOffset From, DateTimeOffset To, long TotalFailures, long PreviousWindowFailures, string Trend, double? ChangePercent,
    IReadOnlyDictionary<string, long> Categories, IReadOnlyList<FailureCount> ByCategory, IReadOnlyList<OtpErrorCount> TopErrors,
    IReadOnlyList<FailureCount> ByService, IReadOnlyList<FailureCount> ByCountry, long UnrecognizedCodeFailures);

public sealed record DeliveryReport(
    DateTimeOffset GeneratedAt, int TimeRangeHours, OtpDeliveryMetrics Metrics, SystemHealth Health, IReadOnlyList<DeliveryAlert> Alerts,
    OtpFailureAnalysis Failures, IReadOnlyList<ServicePerformance> Services, IReadOnlyList<string> Recommendations);

public sealed record LightStats(DateTimeOffset Timestamp, AttemptSummary LastHour, AttemptSummary Last15Minutes, long LiveOtps, string Health, int ActiveAlerts);

/// <summary>
/// Seed 000's delivery metrics service. Code-level figures (how many codes were delivered, expired...) come from the
/// OTP records; attempt-level figures (per service, trends, health, alerts) come from the engine's rollups of the
/// team's <c>otp</c> items: every attempt of Herald's OTP manager, and every OTP an app or provider reported to Herald,
/// grouped by provider (a service's name is its provider).
/// </summary>
public sealed class DeliveryMetricsService(
    IOtpStore store, OtpAttemptStats stats, ServiceHealth health, DeliveryAlerts alerts, FailureAnalysis failures, TimeProvider time)
{
    /// <summary>Failed attempts (events of the team's otp items) of the window against the previous one, by the failure catalog.</summary>
    public OtpFailureAnalysis Failures(int teamId, int hours, int limit = 10)
    {
        long now = time.GetUtcNow().ToUnixTimeMilliseconds(), from = now - hours * 3_600_000L;
        var report = failures.Analyze(teamId, from, now, new MetricFilter().Allow(Dimension.Kind, ["otp"]), limit);
        var groups = FailureCategories.Groups.ToDictionary(g => g, g => report.ByGroup.FirstOrDefault(c => c.Key == g)?.Count ?? 0);
        var top = report.ByCode.Select(c => new OtpErrorCount(c.Class.Code, c.Class.Family, c.Class.Category, c.Class.Group,
            c.Class.Description, c.Class.Resolution, c.Count, c.PreviousCount, MetricTotals.Percent(c.Count, report.Total))).ToList();
        return new OtpFailureAnalysis(hours, Instants.At(from), Instants.At(now), report.Total, report.PreviousTotal,
            report.Totals.Trend, report.Totals.ChangePercent, groups, report.ByCategory, top, report.ByProvider, report.ByCountry,
            report.UnknownCodeFailures);
    }

    /// <summary>Everything at once, with what to do about it.</summary>
    public DeliveryReport Report(int teamId, int hours)
    {
        // Independent reads, each with its own connection: side by side, the report costs its slowest part, not their sum.
        OtpDeliveryMetrics metrics = null!;
        SystemHealth systemHealth = null!;
        IReadOnlyList<DeliveryAlert> active = null!;
        OtpFailureAnalysis failureAnalysis = null!;
        IReadOnlyList<ServicePerformance> services = null!;
        Parallel.Invoke(
            () => services = Services(teamId, hours),
            () => failureAnalysis = Failures(teamId, hours),
            () => metrics = Metrics(teamId, hours),
            () =>
            {
                systemHealth = Health(teamId);
                active = alerts.Active(teamId);
            });
        return new DeliveryReport(time.GetUtcNow(), hours, metrics, systemHealth, active,
            failureAnalysis, services, Recommend(systemHealth, active, failureAnalysis, services));
    }

    public static IReadOnlyList<string> Recommend(
        SystemHealth health, IReadOnlyList<DeliveryAlert> active, OtpFailureAnalysis failureAnalysis, IReadOnlyList<ServicePerformance> services)
    {
        var advice = new List<string>();
        if (health.Summary.Enabled == 0) advice.Add("No delivery service is enabled: configure one with PUT /api/v1/otp/services/{name}.");
        else if (health.Summary.Enabled == 1) advice.Add("Only one delivery service is enabled: add a second so a failure can fall back.");
        foreach (var a in active.Where(a => a.Type is "service_down" or "service_degradation").GroupBy(a => a.Service))
            advice.Add($"Check {a.Key}: {a.First().Message}.");
        if (active.Any(a => a.Type == "stale_validation"))
            advice.Add("Validate services that have not been checked for 30 minutes (POST /api/v1/otp/services/{name}/validate).");
        foreach (var e in failureAnalysis.TopErrors.Take(3).Where(e => e.Count > 0))
            advice.Add($"Error {e.Code} ({e.Description}, {e.Count} attempts): {e.Resolution}.");
        var slow = services.Where(s => s.P95ResponseMs > 5_000).Select(s => s.Name).ToList();
        if (slow.Count > 0) advice.Add($"Slow sends (p95 over 5 s) on {string.Join(", ", slow)}: consider lowering their priority.");
        return advice;
    }

    public OtpDeliveryMetrics Metrics(int teamId, int hours)
    {
        var now = time.GetUtcNow();
        long nowMs = now.ToUnixTimeMilliseconds(), sinceMs = (now - TimeSpan.FromHours(hours)).ToUnixTimeMilliseconds();
        var counts = store.CountOtps(teamId, sinceMs, nowMs);
        var window = stats.LastMinutes(hours * 60);
        var attempts = stats.All(teamId, window.From, window.To);
        var all = Fold(counts);
        // Attempts per code counts Herald's own codes only: the engine's otp items also hold what apps reported.
        long ownAttempts = store.CountOtpAttemptsSince(teamId, sinceMs);
        return new OtpDeliveryMetrics(hours, Instants.At(sinceMs), Instants.At(nowMs), all,
            counts.GroupBy(c => c.Method).ToDictionary(g => g.Key, g => Fold(g)),
            counts.Where(c => c.Service is not null).GroupBy(c => c.Service!).ToDictionary(g => g.Key, g => Fold(g)),
            Summarize(attempts, null) with { AverageAttemptsPerOtp = all.Total > 0 ? Math.Round((double)ownAttempts / all.Total, 4) : null });
    }

    public SystemHealth Health(int teamId)
    {
        var reports = health.Assess(teamId);
        var active = alerts.Evaluate(teamId, reports);
        var enabled = reports.Where(r => r.Service.Enabled).ToList();
        // Delivery works while one enabled service is not down; the overall level is the best route a code has.
        var overall = enabled.Count == 0 ? HealthLevel.Down : enabled.Min(r => r.Level);
        var summary = new HealthSummary(ServiceHealth.Name(overall), reports.Count, enabled.Count,
            enabled.Count(r => r.Level == HealthLevel.Healthy), enabled.Count(r => r.Level == HealthLevel.Degraded),
            enabled.Count(r => r.Level == HealthLevel.Critical), enabled.Count(r => r.Level == HealthLevel.Down));
        return new SystemHealth(summary.Status, time.GetUtcNow(), summary,
            reports.Select(ToDto).ToList(), active.Count);
    }

    public IReadOnlyList<DeliveryAlert> Alerts(int teamId) => alerts.Active(teamId);

    public IReadOnlyList<ServicePerformance> Services(int teamId, int hours)
    {
        var window = stats.LastMinutes(hours * 60);
        var byService = stats.ByService(teamId, window.From, window.To);
        var responses = store.ListOtpAttemptsSince(teamId, window.From.ToUnixMillis())
            .GroupBy(a => a.Service).ToDictionary(g => g.Key, g => g.Select(a => a.ResponseMs).Order().ToArray());
        var list = new List<ServicePerformance>();
        foreach (var r in health.Assess(teamId))
        {
            var s = byService.GetValueOrDefault(r.Service.Name, AttemptStats.Empty);
            responses.TryGetValue(r.Service.Name, out var times);
            list.Add(new ServicePerformance(r.Service.Name, r.Service.Sender, r.Service.Enabled, r.Service.Priority, ServiceHealth.Name(r.Level),
                s.Attempts, s.Succeeded, s.Failed, s.SuccessRatePercent, s.FailureRatePercent,
                times is { Length: > 0 } ? Math.Round(times.Average(), 3) : null,
                times is { Length: > 0 } ? Math.Round(times[(int)Math.Ceiling(times.Length * 0.95) - 1], 3) : null, s.Delivered));
        }
        return list;
    }

    public DeliveryTrends Trends(int teamId, int days)
    {
        var today = Domain.UtcMinute.FromDateTimeOffset(time.GetUtcNow()).Floor(Domain.Granularity.Day);
        var from = new Domain.UtcMinute(today.Value - (days - 1) * 24 * 60);
        var to = today.Next(Domain.Granularity.Day);
        var points = stats.Daily(teamId, from, to).Select(p => new TrendPoint(
            p.Bucket.ToDateTimeOffset().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), p.Stats.Attempts,
            p.Stats.Succeeded, p.Stats.Failed, p.Stats.Delivered, p.Stats.SuccessRatePercent, p.Stats.FailureRatePercent)).ToList();
        return new DeliveryTrends(days, points, Direction(points));
    }

    public LightStats Stats(int teamId)
    {
        var hour = stats.LastMinutes(60);
        var quarter = stats.LastMinutes(15);
        var reports = health.Assess(teamId);
        var enabled = reports.Where(r => r.Service.Enabled).ToList();
        var overall = enabled.Count == 0 ? HealthLevel.Down : enabled.Min(r => r.Level);
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        return new LightStats(Instants.At(now), Summarize(stats.All(teamId, hour.From, hour.To), null),
            Summarize(stats.All(teamId, quarter.From, quarter.To), null), store.CountLiveOtps(teamId, now), ServiceHealth.Name(overall),
            alerts.Evaluate(teamId, reports).Count);
    }

    /// <summary>
    /// Failure rate direction over the days with attempts: the mean of the later half against the earlier half,
    /// <c>stable</c> within 5 percentage points.
    /// </summary>
    public static string Direction(IReadOnlyList<TrendPoint> points)
    {
        var active = points.Where(p => p.Attempts > 0).ToList();
        if (active.Count < 2) return "stable";
        int half = active.Count / 2;
        double early = active.Take(half).Average(p => p.FailureRatePercent);
        double late = active.Skip(active.Count - half).Average(p => p.FailureRatePercent);
        return late - early > 5 ? "up" : early - late > 5 ? "down" : "stable";
    }

    private static ServiceHealthDto ToDto(ServiceHealthReport r) => new(r.Service.Name, r.Service.Sender, r.Service.Channels, r.Service.Enabled,
        r.Service.Priority, ServiceHealth.Name(r.Level), r.Reason, r.CircuitOpen,
        Instants.At(r.Service.LastValidatedAtMs), r.Service.ValidationOk, Summarize(r.LastHour, null));

    public static AttemptSummary Summarize(AttemptStats s, long? otps) => new(s.Attempts, s.Succeeded, s.Failed, s.SuccessRatePercent,
        s.FailureRatePercent, otps is > 0 ? Math.Round((double)s.Attempts / otps.Value, 4) : null, s.VerifyLatency);

    private static OtpCounts Fold(IEnumerable<OtpStatusCount> rows)
    {
        long total = 0, pending = 0, sent = 0, delivered = 0, failed = 0, expired = 0, verifyMs = 0, verified = 0;
        foreach (var r in rows)
        {
            total += r.Count;
            verifyMs += r.VerifyMsSum;
            verified += r.Verified;
            switch (r.Status)
            {
                case DeliveryStatus.Pending: pending += r.Count; break;
                case DeliveryStatus.Sent: sent += r.Count; break;
                case DeliveryStatus.Delivered: delivered += r.Count; break;
                case DeliveryStatus.Failed: failed += r.Count; break;
                case DeliveryStatus.Expired: expired += r.Count; break;
            }
        }
        return new OtpCounts(total, pending, sent, delivered, failed, expired, MetricTotals.Percent(delivered, total),
            MetricTotals.Percent(failed, total), verified > 0 ? Math.Round(verifyMs / 1000.0 / verified, 3) : null);
    }
}
