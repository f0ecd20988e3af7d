using Herald.Analytics;
using Herald.Analytics.Campaigns;
using Herald.Analytics.Failures;
using Herald.Analytics.Items;
using Herald.Domain;
using Herald.Storage;
using Herald.Engine;
using Herald.Tenancy;

namespace Herald.Reports;

/// <summary>The subject of a report does not exist (an unknown campaign or account): a 404.</summary>
public sealed class ReportSubjectNotFoundException(string message) : Exception(message);

/// <summary>
/// Builds the content of seed 004's three reports from the rollups (<see cref="MetricsQuery"/>), the failure analysis and
/// the campaign analytics; every figure means what it means in <c>/api/v1/metrics</c> (items by their earliest event,
/// at their current status; events by <c>occurred_at</c>). Days are UTC. The system report comes from the utilization
/// samples (<see cref="UtilizationReport"/>), the daily and weekly ones from seed 003's reports (<see cref="PerformanceReportDocuments"/>).
/// </summary>
public sealed class ReportBuilder(
    MetricsQuery metrics, FailureAnalysis failures, CampaignAnalytics campaigns, IDirectoryStore directory, TeamDirectory teams, TimeProvider time,
    ItemSearch items, ItemRows itemRows, UtilizationReport utilization, PerformanceReportDocuments performance)
{
    /// <summary>The message report's per-message columns in its PDF (the other formats have them all).</summary>
    private static readonly string[] PdfMessageColumns = ["earliest_at", "item_id", "status", "channel", "provider", "country", "recipient", "cost", "error_code"];

    public const int MaxDays = 366;
    public const int TopErrorCodes = 10;

    private static readonly ReportColumn[] OutcomeColumns =
    [
        new("total", "Total", ColumnKind.Integer),
        new("delivered", "Delivered", ColumnKind.Integer),
        new("failed", "Failed", ColumnKind.Integer),
        new("pending", "Pending", ColumnKind.Integer),
        new("delivery_rate", "Delivery %", ColumnKind.Percent),
        new("failure_rate", "Failure %", ColumnKind.Percent),
    ];

    private static readonly ReportColumn[] DailyColumns =
    [
        new("date", "Date", ColumnKind.Date), .. OutcomeColumns,
        new("events", "Events", ColumnKind.Integer),
        new("cost", "Cost", ColumnKind.Money),
        new("latency_p50_seconds", "Latency p50 (s)", ColumnKind.Seconds),
        new("latency_p95_seconds", "Latency p95 (s)", ColumnKind.Seconds),
    ];

    /// <summary>Null when the report's subject exists, else why not (a 404 at request time, before any work is queued).</summary>
    public string? MissingSubject(ReportRequest request)
    {
        switch (request.Type)
        {
            case ReportTypes.Campaign:
                return campaigns.Report(request.TeamId, request.CampaignId!) is null
                    ? $"no campaign '{request.CampaignId}' (declare it with PUT /api/v1/campaigns/{{id}}, or report events with it in the last 30 days)"
                    : null;
            case ReportTypes.AccountUsage:
                if (directory.ListAccounts(request.TeamId).Any(a => a.Name == request.AccountId)) return null;
                var (from, to) = Window(request);
                var seen = metrics.Summary([request.TeamId], AccountFilter(request.AccountId!), from, to);
                return seen.Total == 0 && seen.Events == 0
                    ? $"no account '{request.AccountId}' (declare it with PUT /api/v1/accounts/{{name}}, or report events with it in the period)"
                    : null;
            default:
                return null;
        }
    }

    public ReportDocument Build(string id, ReportRequest request, Action<double>? progress = null)
    {
        progress ??= _ => { };
        return request.Type switch
        {
            ReportTypes.Messages => Messages(id, request, progress),
            ReportTypes.Campaign => Campaign(id, request, progress),
            ReportTypes.AccountUsage => AccountUsage(id, request, progress),
            ReportTypes.System => utilization.Build(id, request, teams.PublicIdOf(request.TeamId), time.GetUtcNow(), progress),
            ReportTypes.Daily => performance.Daily(id, request, teams.PublicIdOf(request.TeamId), time.GetUtcNow()),
            ReportTypes.Weekly => performance.Weekly(id, request, teams.PublicIdOf(request.TeamId), time.GetUtcNow()),
            _ => throw new ArgumentException($"unknown report type {request.Type}"),
        };
    }

    /// <summary>[start 00:00, end + 1 day 00:00) in UTC minutes.</summary>
    public static (UtcMinute From, UtcMinute To) Window(DateOnly start, DateOnly end) =>
        (Minute(start), Minute(end.AddDays(1)));

    private static (UtcMinute From, UtcMinute To) Window(ReportRequest r) => Window(r.StartDate!.Value, r.EndDate!.Value);

    private static UtcMinute Minute(DateOnly d) => UtcMinute.FromDateTimeOffset(new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));

    private static MetricFilter AccountFilter(string account) => new MetricFilter().Allow(Dimension.Account, [account]);

    // ---- messages ----

    private ReportDocument Messages(string id, ReportRequest request, Action<double> progress)
    {
        int team = request.TeamId;
        var (from, to) = Window(request);
        var filter = new MetricFilter();
        if (request.AccountId is { } account) filter.Allow(Dimension.Account, [account]);
        if (request.CampaignId is { } campaign) filter.Allow(Dimension.Campaign, [campaign]);
        var statuses = StatusMask(request.Statuses);
        bool byStatus = statuses is not null;

        var total = Outcome(metrics.Summary([team], filter, from, to), statuses);
        progress(0.1);
        var daily = DailyTable(team, filter, from, to, statuses);
        progress(0.35);
        var tables = new List<ReportTable> { daily };
        foreach (var (dimension, name, title) in (ReadOnlySpan<(Dimension, string, string)>)[
                     (Dimension.Channel, "by_channel", "By channel"), (Dimension.Provider, "by_provider", "By provider"),
                     (Dimension.Country, "by_country", "By country")])
        {
            tables.Add(BreakdownTable(team, filter, dimension, name, title, from, to, statuses));
            progress(0.35 + 0.15 * tables.Count);
        }
        var notes = new List<string>
        {
            "Items are counted on the UTC day of their earliest event, at their current status; events on the day they occurred.",
            "Latency runs from an item's first 'sent' (else its earliest event) to its first delivered-or-beyond event; percentiles are within 1.5 %.",
        };
        if (!byStatus)
        {
            var analysis = failures.Analyze(team, from.ToUnixMillis(), to.ToUnixMillis(), filter, TopErrorCodes);
            tables.Add(ErrorTable(analysis));
            notes.Add("Top error codes count failing events (failed, undelivered, expired ... or carrying an error code) by when they occurred; " +
                      "the previous period is the one of equal length before the report's.");
        }
        else
        {
            notes.Add($"Status filter ({string.Join(", ", request.Statuses!)}): item counts cover only items whose current status is one of these; " +
                      "events, cost and latency are left empty (the rollups do not split them by current status) and the error codes are left out.");
        }
        ReportDetail? detail = null;
        if (request.Detail == ReportRequest.ItemsDetail)
        {
            var query = new ItemQuery([team], from.ToUnixMillis(), to.ToUnixMillis(), filter,
                request.Statuses?.Select(w => Domain.Statuses.TryParse(w, out var s) ? s : throw new ArgumentException($"status {w}")).ToHashSet());
            detail = new ReportDetail("messages", "Messages", ItemColumns.All, () => MessageRows(query), PdfMessageColumns,
                "The CSV (a ZIP with a -messages.csv file), JSON and Excel formats of this report list every one.");
            notes.Add("Messages: one row per item the totals count, newest first, as GET /api/v1/items shows it when the file was written " +
                      "(its current status; error_code is the code that status came with).");
        }
        progress(0.95);

        var summary = new List<ReportKpi>
        {
            new("total_messages", "Total messages", total.Total, ColumnKind.Integer),
            new("delivered", "Delivered", total.Delivered, ColumnKind.Integer),
            new("failed", "Failed", total.Failed, ColumnKind.Integer),
            new("pending", "Pending", total.Pending, ColumnKind.Integer),
            new("delivery_rate", "Delivery rate %", total.DeliveryRate, ColumnKind.Percent),
            new("failure_rate", "Failure rate %", total.FailureRate, ColumnKind.Percent),
            new("events", "Events", byStatus ? null : total.Events, ColumnKind.Integer),
            new("cost", "Cost", byStatus ? null : total.Cost, ColumnKind.Money),
            new("latency_p50_seconds", "Latency p50 (s)", byStatus ? null : total.P50, ColumnKind.Seconds),
            new("latency_p95_seconds", "Latency p95 (s)", byStatus ? null : total.P95, ColumnKind.Seconds),
            new("days", "Days", request.EndDate!.Value.DayNumber - request.StartDate!.Value.DayNumber + 1, ColumnKind.Integer),
        };
        return new ReportDocument
        {
            Id = id, Type = request.Type, Title = "Message delivery report", Team = teams.PublicIdOf(team),
            StartDate = request.StartDate, EndDate = request.EndDate, GeneratedAt = time.GetUtcNow(), Parameters = request.Describe(),
            Summary = summary, Tables = tables, Notes = notes, Detail = detail,
        };
    }

    /// <summary>The message report's rows, read from one snapshot of the items each time the file is written.</summary>
    private IEnumerable<object?[]> MessageRows(ItemQuery query)
    {
        using var reading = items.Read(query);
        foreach (var item in reading) yield return ItemColumns.Values(itemRows.Of(item));
    }

    // ---- campaign ----

    private ReportDocument Campaign(string id, ReportRequest request, Action<double> progress)
    {
        int team = request.TeamId;
        var r = campaigns.Report(team, request.CampaignId!) ?? throw new ReportSubjectNotFoundException($"no campaign '{request.CampaignId}'");
        progress(0.4);
        var filter = new MetricFilter().Allow(Dimension.Campaign, [r.CampaignId]);
        DateOnly? start = null, end = null;
        ReportTable daily;
        if (r.FirstActivity is { } first && r.LastActivity is { } last)
        {
            var firstDay = DateOnly.FromDateTime(DateTimeOffset.Parse(first, System.Globalization.CultureInfo.InvariantCulture).UtcDateTime);
            // LastActivity is the end of the last active minute: the minute before it is the last one with events.
            var lastDay = DateOnly.FromDateTime(DateTimeOffset.Parse(last, System.Globalization.CultureInfo.InvariantCulture).UtcDateTime.AddMinutes(-1));
            if (lastDay.DayNumber - firstDay.DayNumber + 1 > MaxDays) firstDay = lastDay.AddDays(-(MaxDays - 1));
            (start, end) = (firstDay, lastDay);
            var (from, to) = Window(firstDay, lastDay);
            daily = DailyTable(team, filter, from, to, null);
        }
        else daily = new ReportTable("daily", "Daily", DailyColumns, []);
        progress(0.7);

        var t = r.TimingAnalysis;
        var timing = new ReportTable("timing", "Delivery timing", [new("measure", "Measure", ColumnKind.Text), new("seconds", "Seconds", ColumnKind.Seconds)],
        [
            ["average", t.AverageDeliverySeconds is { } a ? Math.Round(a, 3) : null], ["fastest", t.FastestDeliverySeconds], ["slowest", t.SlowestDeliverySeconds],
            ["p50", t.P50], ["p75", t.P75], ["p90", t.P90], ["p95", t.P95],
        ]);
        var statuses = new ReportTable("status_breakdown", "Items by current status",
            [new("status", "Status", ColumnKind.Text), new("items", "Items", ColumnKind.Integer)],
            r.StatusBreakdown.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => new object?[] { p.Key, p.Value }).ToList());
        var errors = new ReportTable("errors", "Error codes",
            [new("code", "Code", ColumnKind.Text), new("category", "Category", ColumnKind.Text), new("description", "Description", ColumnKind.Text),
             new("failures", "Failures", ColumnKind.Integer), new("resolution", "Resolution", ColumnKind.Text)],
            r.ErrorBreakdown.Select(e => new object?[] { e.Code, e.Category, e.Description, e.Count, e.Resolution }).ToList());

        var summary = new List<ReportKpi>
        {
            new("campaign_id", "Campaign", r.CampaignId, ColumnKind.Text),
            new("campaign_name", "Name", r.CampaignName, ColumnKind.Text),
            new("total_recipients", "Recipients", r.TotalRecipients, ColumnKind.Integer),
            new("total_messages", "Processed", r.Processed, ColumnKind.Integer),
            new("remaining", "Remaining", r.Remaining, ColumnKind.Integer),
            new("progress_percentage", "Progress %", r.ProgressPercentage, ColumnKind.Percent),
            new("delivered", "Delivered", r.Delivered, ColumnKind.Integer),
            new("failed", "Failed", r.Failed, ColumnKind.Integer),
            new("pending", "Pending", r.Pending, ColumnKind.Integer),
            new("delivery_rate", "Delivery rate %", Math.Round(r.DeliveryRatePercent, 2), ColumnKind.Percent),
            new("failure_rate", "Failure rate %", Math.Round(r.FailureRatePercent, 2), ColumnKind.Percent),
            new("events", "Events", r.Events, ColumnKind.Integer),
            new("cost", "Cost", r.Cost, ColumnKind.Money),
            new("avg_send_rate_tps", "Avg send rate (/s)", r.AvgSendRateTps, ColumnKind.Decimal),
            new("current_send_rate_tps", "Current send rate (/s)", r.CurrentSendRateTps, ColumnKind.Decimal),
            new("estimated_completion", "Estimated completion", r.EstimatedCompletion, ColumnKind.Text),
            new("first_activity", "First activity", r.FirstActivity, ColumnKind.Text),
            new("last_activity", "Last activity", r.LastActivity, ColumnKind.Text),
            new("execution_duration_minutes", "Duration (min)", r.ExecutionDurationMinutes, ColumnKind.Decimal),
        };
        return new ReportDocument
        {
            Id = id, Type = request.Type, Title = $"Campaign report: {r.CampaignName}", Team = teams.PublicIdOf(team),
            StartDate = start, EndDate = end, GeneratedAt = time.GetUtcNow(), Parameters = request.Describe(), Summary = summary,
            Tables = [daily, timing, statuses, errors],
            Notes =
            [
                "Progress, rates and timing are the campaign analytics' (GET /api/v1/analytics/metrics/campaigns/{id}); the daily rows span its first to last active UTC day.",
                "Error codes count the campaign's failing events since a day before it was declared (30 days back for a campaign only seen in events).",
            ],
        };
    }

    // ---- account usage ----

    private ReportDocument AccountUsage(string id, ReportRequest request, Action<double> progress)
    {
        int team = request.TeamId;
        string accountId = request.AccountId!;
        var account = directory.ListAccounts(team).FirstOrDefault(a => a.Name == accountId);
        var (from, to) = Window(request);
        var filter = AccountFilter(accountId);
        var now = time.GetUtcNow();
        var nowEnd = UtcMinute.FromDateTimeOffset(now).Next(Granularity.Minute);

        var points = metrics.Timeseries([team], filter, from, to, Granularity.Day);
        progress(0.4);
        long? setAt = account?.CreditBalance is not null ? account.BalanceSetAtMs : null;
        var setMinute = setAt is { } ms ? UtcMinute.FromUnixMillis(ms) : (UtcMinute?)null;
        double? consumed = null;
        var rows = new List<object?[]>(points.Count);
        long peakItems = -1;
        string? peakDay = null;
        foreach (var (bucket, totals) in points)
        {
            var dayEnd = bucket.Next(Granularity.Day);
            double? balance = null;
            if (setMinute is { } set && account!.CreditBalance is { } credit && dayEnd > set)
            {
                // The cost of the account's items since the balance was stated, up to the end of this day (or now, for today).
                consumed = consumed is null || bucket < set
                    ? metrics.Summary([team], filter, set, Min(dayEnd, nowEnd)).Cost
                    : consumed + totals.Cost;
                balance = Math.Round(credit - consumed.Value, 6);
            }
            var o = Outcome(totals, null);
            if (o.Total > peakItems) (peakItems, peakDay) = (o.Total, Day(bucket));
            rows.Add([DateOnly.ParseExact(Day(bucket), "yyyy-MM-dd"), o.Total, o.Delivered, o.Failed, o.Pending, o.DeliveryRate, o.FailureRate, o.Events, o.Cost, balance]);
        }
        var daily = new ReportTable("daily", "Daily usage",
            [new("date", "Date", ColumnKind.Date), .. OutcomeColumns, new("events", "Events", ColumnKind.Integer), new("cost", "Cost", ColumnKind.Money),
             new("balance_end_of_day", "Balance (end of day)", ColumnKind.Money)], rows);
        var period = Outcome(metrics.Summary([team], filter, from, to), null);
        progress(0.6);
        var byChannel = BreakdownTable(team, filter, Dimension.Channel, "by_channel", "Usage by channel", from, to, null);
        var byProvider = BreakdownTable(team, filter, Dimension.Provider, "by_provider", "Usage by provider", from, to, null);
        progress(0.9);

        double? sinceSet = null, current = null;
        if (setMinute is { } s && account!.CreditBalance is { } c)
        {
            sinceSet = metrics.Summary([team], filter, s, nowEnd).Cost;
            current = Math.Round(c - sinceSet.Value, 6);
        }
        int days = rows.Count;
        var summary = new List<ReportKpi>
        {
            new("account_id", "Account", accountId, ColumnKind.Text),
            new("total_messages", "Total messages", period.Total, ColumnKind.Integer),
            new("delivered", "Delivered", period.Delivered, ColumnKind.Integer),
            new("failed", "Failed", period.Failed, ColumnKind.Integer),
            new("delivery_rate", "Delivery rate %", period.DeliveryRate, ColumnKind.Percent),
            new("events", "Events", period.Events, ColumnKind.Integer),
            new("cost", "Cost in period", period.Cost, ColumnKind.Money),
            new("average_daily_cost", "Average daily cost", days == 0 ? 0 : Math.Round(period.Cost / days, 6), ColumnKind.Money),
            new("peak_day", "Peak day", peakItems > 0 ? peakDay : null, ColumnKind.Text),
            new("peak_day_messages", "Peak day messages", Math.Max(0, peakItems), ColumnKind.Integer),
            new("tps_limit", "TPS limit", account?.TpsLimit, ColumnKind.Decimal),
            new("credit_balance", "Credit balance (stated)", account?.CreditBalance, ColumnKind.Money),
            new("balance_set_at", "Balance stated at", setAt is { } at ? Engine.EventParser.FormatTimestamp(at) : null, ColumnKind.Text),
            new("consumed_since_balance_set", "Consumed since stated", sinceSet, ColumnKind.Money),
            new("current_balance", "Current balance", current, ColumnKind.Money),
        };
        return new ReportDocument
        {
            Id = id, Type = request.Type, Title = $"Account usage report: {accountId}", Team = teams.PublicIdOf(team),
            StartDate = request.StartDate, EndDate = request.EndDate, GeneratedAt = now, Parameters = request.Describe(), Summary = summary,
            Tables = [daily, byChannel, byProvider],
            Notes =
            [
                "Usage counts the account's items on the UTC day of their earliest event; cost is the cost their events reported.",
                "The balance is the credit balance last stated with PUT /api/v1/accounts/{name} less the cost of the account's items since then; " +
                "days before it was stated have none.",
            ],
        };
    }

    // ---- shared tables ----

    private ReportTable DailyTable(int team, MetricFilter filter, UtcMinute from, UtcMinute to, bool[]? statuses)
    {
        var rows = new List<object?[]>();
        foreach (var (bucket, totals) in metrics.Timeseries([team], filter, from, to, Granularity.Day))
        {
            var o = Outcome(totals, statuses);
            bool all = statuses is null;
            rows.Add([DateOnly.ParseExact(Day(bucket), "yyyy-MM-dd"), o.Total, o.Delivered, o.Failed, o.Pending, o.DeliveryRate, o.FailureRate,
                all ? o.Events : null, all ? o.Cost : null, all ? o.P50 : null, all ? o.P95 : null]);
        }
        return new ReportTable("daily", "Daily", DailyColumns, rows);
    }

    private ReportTable BreakdownTable(
        int team, MetricFilter filter, Dimension by, string name, string title, UtcMinute from, UtcMinute to, bool[]? statuses)
    {
        var rows = new List<object?[]>();
        foreach (var (key, totals) in metrics.Breakdown([team], filter, by, from, to, _ => ""))
        {
            var o = Outcome(totals, statuses);
            if (o.Total == 0 && (statuses is not null || o.Events == 0)) continue;
            rows.Add([key, o.Total, o.Delivered, o.Failed, o.Pending, o.DeliveryRate, o.FailureRate,
                statuses is null ? o.Events : null, statuses is null ? o.Cost : null]);
        }
        string dim = Dimensions.Name(by);
        return new ReportTable(name, title,
            [new(dim, char.ToUpperInvariant(dim[0]) + dim[1..], ColumnKind.Text), .. OutcomeColumns, new("events", "Events", ColumnKind.Integer),
             new("cost", "Cost", ColumnKind.Money)], rows);
    }

    private static ReportTable ErrorTable(FailureReport analysis) =>
        new("top_errors", "Top error codes",
            [new("code", "Code", ColumnKind.Text), new("category", "Category", ColumnKind.Text), new("description", "Description", ColumnKind.Text),
             new("failures", "Failures", ColumnKind.Integer), new("previous_period_failures", "Previous period", ColumnKind.Integer),
             new("resolution", "Resolution", ColumnKind.Text)],
            analysis.ByCode.Where(c => c.Count > 0)
                .Select(c => new object?[] { c.Class.Code, c.Class.Category, c.Class.Description, c.Count, c.PreviousCount, c.Class.Resolution }).ToList());

    /// <summary>Outcome figures rounded for reports; with a status mask only items whose current status is in it count.</summary>
    private static Figures Outcome(MetricTotals totals, bool[]? statuses)
    {
        var t = totals;
        if (statuses is not null)
        {
            var only = new CellStats();
            for (int s = 1; s < Statuses.CodeLimit; s++)
                if (statuses[s]) only.ItemsByStatus[s] = totals.Cells.ItemsByStatus[s];
            t = new MetricTotals(only);
        }
        var latency = totals.Latency;
        return new Figures(t.Total, t.Delivered, t.Failed, t.Pending, Math.Round(t.DeliveryRatePercent, 2), Math.Round(t.FailureRatePercent, 2),
            totals.Events, totals.Cost, latency is null ? null : Math.Round(latency.P50, 3), latency is null ? null : Math.Round(latency.P95, 3));
    }

    private static bool[]? StatusMask(IReadOnlyList<string>? statuses)
    {
        if (statuses is not { Count: > 0 }) return null;
        var mask = new bool[Statuses.CodeLimit];
        foreach (var s in statuses)
            if (Domain.Statuses.TryParse(s, out var status)) mask[(int)status] = true;
        return mask;
    }

    private static UtcMinute Min(UtcMinute a, UtcMinute b) => a < b ? a : b;

    private static string Day(UtcMinute bucket) => bucket.ToDateTimeOffset().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private sealed record Figures(
        long Total, long Delivered, long Failed, long Pending, double DeliveryRate, double FailureRate, long Events, double Cost, double? P50, double? P95);
}
