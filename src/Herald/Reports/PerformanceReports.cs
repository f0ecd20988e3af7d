using System.Globalization;
using Herald.Analytics;
using Herald.Analytics.Consent;
using Herald.Analytics.Failures;
using Herald.Analytics.Users;
using Herald.Monitoring;
using Herald.Domain;
using Herald.Storage;
using Herald.Engine;

namespace Herald.Reports;

public sealed record DailySummary(
    long CampaignsExecuted, long TotalMessagesSent, double DeliveryRate, double ErrorRate, long OptOutRequests, long NewUsersAdded);

public sealed record CampaignPerformance(string CampaignId, string CampaignName, double DeliveryRate, long MessagesSent);

public sealed record DailyPerformanceReport(
    string ReportType, string Date, DailySummary Summary, IReadOnlyList<CampaignPerformance> TopPerformingCampaigns,
    IReadOnlyList<string> AreasForImprovement);

public sealed record WeeklyMetrics(
    long TotalMessages, double DeliveryRateAvg, string? CampaignPerformance, long NewUsers, string? UserGrowth, double? UserGrowthPercent,
    string? SystemUptime, double? SystemUptimePercent, double? UserEngagementRate);

public sealed record WeeklyTrends(string? DeliveryRateTrend, string? ErrorRateTrend, string? UserEngagementTrend);

public sealed record WeeklyAnalyticsSummary(string ReportPeriod, string Week, WeeklyMetrics WeeklyMetrics, WeeklyTrends Trends);

/// <summary>
/// Seed 003's daily performance report and weekly analytics summary, from the rollups, the failure analysis and the consent
/// keywords. "Messages sent" are a team's outbound items (every item but the inbound ones) by the UTC day of their earliest
/// event; rates are over them. New users are the team's users who joined in the period (<see cref="UserAnalytics"/>), user
/// growth those over the users there were before it; user engagement is inbound items per outbound item (percent), its
/// trend the relative change against the week before; system uptime is the share of the week (up to now, from the first
/// recorded run) that a server run was alive (<see cref="ServerHistory"/>).
/// </summary>
public sealed class PerformanceReports(MetricsQuery metrics, FailureAnalysis failures, ConsentAnalysis consent, ICampaignStore campaigns,
    UserAnalytics users, ServerHistory history)
{
    public const int TopCampaigns = 5;
    public const int MinItemsToJudge = 10;
    public const double DeliveryTarget = 90;
    public const double SlowDeliverySeconds = 60;

    public DailyPerformanceReport Daily(int team, DateOnly date)
    {
        var (from, to) = ReportBuilder.Window(date, date);
        var outbound = Outbound(team, MetricFilter.None, from, to);
        var names = campaigns.ListCampaigns(team).ToDictionary(c => c.CampaignId, c => c.Name, StringComparer.Ordinal);
        var inboundByCampaign = metrics.Breakdown([team], new MetricFilter().Allow(Dimension.Direction, ["inbound"]), Dimension.Campaign, from, to, _ => "")
            .Where(r => r.Key is not null).ToDictionary(r => r.Key!, r => r.Totals, StringComparer.Ordinal);
        var perCampaign = new List<(string Id, MetricTotals Totals)>();
        long executed = 0;
        foreach (var (key, totals) in metrics.Breakdown([team], MetricFilter.None, Dimension.Campaign, from, to, _ => ""))
        {
            if (key is null) continue;
            executed++;
            var o = inboundByCampaign.TryGetValue(key, out var inbound) ? Minus(totals, inbound) : totals;
            if (o.Total > 0) perCampaign.Add((key, o));
        }
        var top = perCampaign
            .OrderByDescending(c => c.Totals.DeliveryRatePercent).ThenByDescending(c => c.Totals.Total).ThenBy(c => c.Id, StringComparer.Ordinal)
            .Take(TopCampaigns)
            .Select(c => new CampaignPerformance(c.Id, names.GetValueOrDefault(c.Id) ?? c.Id, Math.Round(c.Totals.DeliveryRatePercent, 2), c.Totals.Total))
            .ToList();

        var areas = new List<string>();
        foreach (var (id, t) in perCampaign.Where(c => c.Totals.Total >= MinItemsToJudge && c.Totals.DeliveryRatePercent < DeliveryTarget)
                     .OrderBy(c => c.Totals.DeliveryRatePercent).Take(3))
            areas.Add($"Improve delivery of campaign {names.GetValueOrDefault(id) ?? id} ({id}): {t.DeliveryRatePercent:0.#} % of {t.Total} delivered");
        foreach (var (id, t) in perCampaign.Where(c => c.Totals.Latency is { } l && l.P95 > SlowDeliverySeconds)
                     .OrderByDescending(c => c.Totals.Latency!.P95).Take(2))
            areas.Add($"Reduce delivery time for campaign {names.GetValueOrDefault(id) ?? id} ({id}): p95 {t.Latency!.P95:0.#} s");
        var analysis = failures.Analyze(team, from.ToUnixMillis(), to.ToUnixMillis(), limit: 3);
        foreach (var c in analysis.ByCode.Where(c => c.Count > 0))
            areas.Add($"Address error code {c.Class.Code} occurrences ({c.Count} failures: {c.Class.Description})");

        var optOuts = consent.Summary(team, from.ToUnixMillis(), to.ToUnixMillis());
        return new DailyPerformanceReport("daily_performance", Date(date),
            new DailySummary(executed, outbound.Total, Math.Round(outbound.DeliveryRatePercent, 2), Math.Round(outbound.FailureRatePercent, 2),
                optOuts.OptOutsInWindow + optOuts.StopsInWindow, users.Joined(team, from.ToUnixMillis(), to.ToUnixMillis())),
            top, areas);
    }

    /// <summary>The ISO week (Monday to Sunday) starting on <paramref name="monday"/>, against the week before.</summary>
    public WeeklyAnalyticsSummary Weekly(int team, DateOnly monday)
    {
        var sunday = monday.AddDays(6);
        var (from, to) = ReportBuilder.Window(monday, sunday);
        var week = Outbound(team, MetricFilter.None, from, to);
        var (prevFrom, prevTo) = ReportBuilder.Window(monday.AddDays(-7), monday.AddDays(-1));
        var previous = Outbound(team, MetricFilter.None, prevFrom, prevTo);

        // The average of the days' delivery rates, over the days with outbound items.
        var inbound = new MetricFilter().Allow(Dimension.Direction, ["inbound"]);
        var all = metrics.Timeseries([team], MetricFilter.None, from, to, Granularity.Day);
        var inb = metrics.Timeseries([team], inbound, from, to, Granularity.Day);
        var rates = new List<double>();
        for (int i = 0; i < all.Count; i++)
        {
            var day = Minus(all[i].Totals, inb[i].Totals);
            if (day.Total > 0) rates.Add(day.DeliveryRatePercent);
        }
        double avg = rates.Count == 0 ? 0 : Math.Round(rates.Average(), 2);
        string? performance = week.Total == 0 ? null : week.DeliveryRatePercent switch
        {
            >= 95 => "excellent",
            >= 90 => "good",
            >= 80 => "fair",
            _ => "poor",
        };
        var isoWeek = $"{ISOWeek.GetYear(monday.ToDateTime(TimeOnly.MinValue))}-W{ISOWeek.GetWeekOfYear(monday.ToDateTime(TimeOnly.MinValue)):00}";
        long newUsers = users.Joined(team, from.ToUnixMillis(), to.ToUnixMillis()), before = users.JoinedBefore(team, from.ToUnixMillis());
        double? uptime = history.UptimePercent(from.ToUnixMillis(), to.ToUnixMillis());
        double? engagement = Engagement(team, from, to, week), previousEngagement = Engagement(team, prevFrom, prevTo, previous);
        return new WeeklyAnalyticsSummary($"{Date(monday)} to {Date(sunday)}", isoWeek,
            new WeeklyMetrics(week.Total, avg, performance, newUsers, UserAnalytics.Growth(newUsers, before), UserAnalytics.GrowthPercent(newUsers, before),
                uptime is { } u ? u.ToString("0.##", CultureInfo.InvariantCulture) + "%" : null, uptime, engagement),
            new WeeklyTrends(
                Change(week.Total > 0 ? week.DeliveryRatePercent : null, previous.Total > 0 ? previous.DeliveryRatePercent : null),
                Change(week.Total > 0 ? week.FailureRatePercent : null, previous.Total > 0 ? previous.FailureRatePercent : null),
                Change(engagement, previousEngagement)));
    }

    /// <summary>The relative change of a rate against the previous period, as the seed writes it (<c>+2.1%</c>); null without both.</summary>
    public static string? Change(double? current, double? previous)
    {
        if (current is not { } c || previous is not { } p) return null;
        if (p == 0) return c == 0 ? "+0%" : null;
        double change = Math.Round((c - p) / p * 100, 1);
        return (change >= 0 ? "+" : "") + change.ToString("0.#", CultureInfo.InvariantCulture) + "%";
    }

    /// <summary>Inbound items per outbound item of the period, in percent; null without outbound items.</summary>
    private double? Engagement(int team, UtcMinute from, UtcMinute to, MetricTotals outbound) =>
        outbound.Total == 0 ? null
            : MetricTotals.Percent(metrics.Summary([team], MetricFilter.None.With(Dimension.Direction, "inbound"), from, to).Total, outbound.Total);

    private MetricTotals Outbound(int team, MetricFilter filter, UtcMinute from, UtcMinute to)
    {
        var all = metrics.Summary([team], filter, from, to);
        var inbound = metrics.Summary([team], filter.With(Dimension.Direction, "inbound"), from, to);
        return Minus(all, inbound);
    }

    /// <summary>The figures of <paramref name="a"/> less <paramref name="b"/> (every field of a cell is a sum, so they subtract exactly).</summary>
    private static MetricTotals Minus(MetricTotals a, MetricTotals b)
    {
        var cells = new CellStats();
        cells.Add(a.Cells);
        cells.Subtract(b.Cells);
        return new MetricTotals(cells);
    }

    private static string Date(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
