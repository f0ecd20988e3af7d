using System.Globalization;
using System.Text.Json.Serialization;
using Herald.Analytics;
using Herald.Analytics.Trends;
using Herald.Analytics.Users;
using Herald.Domain;
using Herald.Storage;

namespace Herald.Monitoring;

public sealed record CurrentUtilization(
    long DailyMessageVolume, long PeakHourlyRate, string? PeakHour, double? DatabaseGrowthMbDay, double StorageUsagePercent,
    long DatabaseBytes, long DiskTotalBytes, long DiskFreeBytes);

public sealed record ThreeMonthProjection(int Days, long? DailyVolume, double? StorageNeedsGb, long AdditionalUsers);

public sealed record ProjectedGrowth(
    [property: JsonPropertyName("3_month_projection")] ThreeMonthProjection ThreeMonthProjection, string? DiskFullDate, long? DaysUntilDiskFull,
    IReadOnlyList<string> ScalingRecommendations);

/// <summary>Seed 003's <c>capacity_metrics</c>.</summary>
public sealed record CapacityMetrics(CurrentUtilization CurrentUtilization, ProjectedGrowth ProjectedGrowth);

public sealed record DatabaseSizePoint(string Date, long Bytes);

public sealed record CapacityReport(DateTimeOffset Timestamp, CapacityMetrics CapacityMetrics, IReadOnlyList<DatabaseSizePoint> DatabaseSizeSamples);

/// <summary>
/// Seed 003's capacity planning for a team on this server. The store's figures are the server's (every team shares the
/// file): its growth in MB (2^20 bytes) per day is the slope of the least-squares line through the daily size samples of
/// the last <see cref="GrowthDays"/> days (<see cref="ServerHistory"/> keeps one a day), null with fewer than two days
/// sampled; the projection adds <see cref="ProjectionDays"/> days of that growth to today's size (GB = 2^30 bytes), and the
/// disk fills when the data directory's free space is used at that rate. The team's figures: items of the last 24 hours
/// and their busiest clock hour; the daily volume in three months is the least-squares line through its daily items of
/// the last <see cref="VolumeDays"/> complete days (from its first day with items), at that day, never below 0; additional
/// users are the users who joined in the last 30 days, at that rate for the projection.
/// </summary>
public sealed class CapacityPlanning(IServerHistoryStore history, SystemMetrics system, MetricsQuery metrics, UserAnalytics users, TimeProvider time)
{
    public const int GrowthDays = 30;
    public const int VolumeDays = 28;
    public const int ProjectionDays = 90;
    public const double DiskAlertPercent = 80;
    public const double VolumeGrowthToMention = 2;
    private const double Mb = 1 << 20, Gb = 1 << 30;

    public CapacityReport Report(int teamId)
    {
        var now = time.GetUtcNow();
        var sample = system.Sample();
        long today = now.ToUnixTimeMilliseconds() / ServerHistory.DayMs;
        var sizes = history.DatabaseSizes(today - GrowthDays + 1);
        double? growthBytesPerDay = LinearFit.Of(sizes.Select(s => (double)s.Day).ToArray(), sizes.Select(s => (double)s.Bytes).ToArray())?.Slope;

        var to = UtcMinute.FromDateTimeOffset(now).Next(Granularity.Minute);
        var lastDay = metrics.Timeseries([teamId], MetricFilter.None, new UtcMinute(to.Value - 24 * 60), to, Granularity.Hour, latency: false);
        var peak = lastDay.Where(p => p.Totals.Total > 0).OrderByDescending(p => p.Totals.Total).ThenBy(p => p.Bucket.Value).FirstOrDefault();
        long daily = lastDay.Sum(p => p.Totals.Total);

        var todayStart = UtcMinute.FromDateTimeOffset(now).Floor(Granularity.Day);
        var days = metrics.Timeseries([teamId], MetricFilter.None, new UtcMinute(todayStart.Value - VolumeDays * 24 * 60), todayStart, Granularity.Day, latency: false)
            .SkipWhile(p => p.Totals.Total == 0).ToList();
        // x: days before today (negative), so the line's value at ProjectionDays is the volume that far ahead.
        var volumeLine = LinearFit.Of(days.Select(p => (double)(p.Bucket.Value - todayStart.Value) / (24 * 60)).ToArray(),
            days.Select(p => (double)p.Totals.Total).ToArray());
        long? projectedDaily = volumeLine is { } v ? (long)Math.Round(Math.Max(0, v.At(ProjectionDays))) : null;

        long joined = users.Joined(teamId, now.AddDays(-UserAnalytics.TrendDays).ToUnixTimeMilliseconds(), now.ToUnixTimeMilliseconds() + 1);
        long additionalUsers = (long)Math.Round(joined * (double)ProjectionDays / UserAnalytics.TrendDays);

        double? storageNeeds = growthBytesPerDay is { } g ? Math.Round(Math.Max(0, sample.DatabaseBytes + g * ProjectionDays) / Gb, 3) : null;
        long? daysToFull = growthBytesPerDay is { } grow && grow > 0 ? (long)Math.Min(Math.Floor(sample.DiskFreeBytes / grow), long.MaxValue / 2) : null;
        var todayDate = DateOnly.FromDateTime(now.UtcDateTime);
        string? fullDate = daysToFull is { } d && d <= DateOnly.MaxValue.DayNumber - todayDate.DayNumber
            ? todayDate.AddDays((int)d).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : null;

        var recommendations = new List<string>();
        if (daysToFull is { } soon && soon <= ProjectionDays)
            recommendations.Add($"The data disk fills around {fullDate} at {Mib(growthBytesPerDay!.Value)} MB/day: add space, or set retention (Herald:Retention)");
        if (sample.DiskPercent > DiskAlertPercent)
            recommendations.Add($"The data disk is {sample.DiskPercent.ToString("0.#", CultureInfo.InvariantCulture)} % full");
        if (projectedDaily is { } ahead && daily > 0 && ahead >= VolumeGrowthToMention * daily)
            recommendations.Add($"Daily volume is on course for {ahead:N0} items in {ProjectionDays} days, {(ahead / (double)daily).ToString("0.#", CultureInfo.InvariantCulture)}x today's: check the accounts' TPS limits");

        var current = new CurrentUtilization(daily, peak.Totals?.Total ?? 0, peak.Totals is null ? null : HourLabel(peak.Bucket),
            growthBytesPerDay is { } gb ? Mib(gb) : null, sample.DiskPercent, sample.DatabaseBytes, sample.DiskTotalBytes, sample.DiskFreeBytes);
        var projected = new ProjectedGrowth(new ThreeMonthProjection(ProjectionDays, projectedDaily, storageNeeds, additionalUsers), fullDate, daysToFull, recommendations);
        var points = sizes.Select(s => new DatabaseSizePoint(
            DateTimeOffset.FromUnixTimeMilliseconds(s.Day * ServerHistory.DayMs).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), s.Bytes)).ToList();
        return new CapacityReport(now, new CapacityMetrics(current, projected), points);
    }

    private static double Mib(double bytes) => Math.Round(bytes / Mb, 3);

    /// <summary>The seed's <c>14:00-15:00</c>, with the day: <c>2026-11-21T14:00-15:00</c> (UTC).</summary>
    private static string HourLabel(UtcMinute start) => string.Create(CultureInfo.InvariantCulture,
        $"{start.ToDateTimeOffset():yyyy-MM-dd'T'HH}:00-{start.ToDateTimeOffset().AddHours(1):HH}:00");
}
