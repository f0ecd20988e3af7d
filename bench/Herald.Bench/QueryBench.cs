using System.Diagnostics;
using Herald.Analytics;
using Herald.Analytics.Failures;
using Herald.Domain;
using Herald.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Herald.Engine;

namespace Herald.Bench;

/// <summary>
/// On the store the ingest bench built: a 24-hour summary and a 24-hour hourly timeseries (with
/// percentiles) from rollups, against the same cohort answer computed by GROUP BY over the raw events.
/// </summary>
public static class QueryBench
{
    private const int Runs = 300;

    public static void Run(BenchOptions o, Report report)
    {
        if (!File.Exists(o.EngineDb)) IngestBench.Run(o, report);
        using var store = new SqliteStore(o.EngineDb);
        store.MigrateUp(); // a store built before migration 5 gets its failure index here
        var registry = new DimensionRegistry();
        registry.Load(store);
        var query = new MetricsQuery(store, registry, new PendingRollups());

        using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = o.EngineDb, Mode = SqliteOpenMode.ReadOnly }.ToString());
        c.Open();
        long rows = Scalar(c, "SELECT COUNT(*) FROM events");
        int team = (int)Scalar(c, "SELECT team_id FROM events GROUP BY team_id ORDER BY COUNT(*) DESC LIMIT 1");
        long maxAt = Scalar(c, "SELECT MAX(occurred_at) FROM events");
        var to = UtcMinute.FromUnixMillis(maxAt).Floor(Granularity.Hour);
        var from = new UtcMinute(to.Value - 24 * 60);
        Console.WriteLine($"query: {rows:N0} raw events; team {team}; window {from} .. {to}");
        int[] teams = [team];

        var summary = Time(() => query.Summary(teams, MetricFilter.None, from, to));
        var filtered = Time(() => query.Summary(teams, new MetricFilter().Allow(Dimension.Channel, ["sms"]), from, to));
        var narrow = Time(() => query.Summary(teams, new MetricFilter().Allow(Dimension.Provider, ["twilio"]), from, to));
        var series = Time(() => query.Timeseries(teams, MetricFilter.None, from, to, Granularity.Hour));
        var breakdown = Time(() => query.Breakdown(teams, MetricFilter.None, Dimension.Provider, from, to, t => t.ToString()));
        var total = query.Summary(teams, MetricFilter.None, from, to);

        // The same cohort counts by GROUP BY over raw events: each item's earliest event and best status.
        var groupBy = c.CreateCommand();
        groupBy.CommandText = """
            SELECT best, COUNT(*) FROM (
                SELECT item_ref, MIN(occurred_at) AS earliest, MAX(status) AS best FROM events WHERE team_id = $team GROUP BY item_ref)
            WHERE earliest >= $from AND earliest < $to GROUP BY best
            """;
        groupBy.Parameters.AddWithValue("$team", team);
        groupBy.Parameters.AddWithValue("$from", from.ToUnixMillis());
        groupBy.Parameters.AddWithValue("$to", to.ToUnixMillis());
        long cohort = 0;
        var raw = Time(() =>
        {
            cohort = 0;
            using var r = groupBy.ExecuteReader();
            while (r.Read()) cohort += r.GetInt64(1);
            return cohort;
        }, runs: 3);
        // A plain GROUP BY provider-set, status over the window's raw rows (the cheapest raw question).
        var plain = c.CreateCommand();
        plain.CommandText = "SELECT dimension_set_id, status, COUNT(*) FROM events WHERE team_id = $team AND occurred_at >= $from AND occurred_at < $to GROUP BY 1, 2";
        plain.Parameters.AddWithValue("$team", team);
        plain.Parameters.AddWithValue("$from", from.ToUnixMillis());
        plain.Parameters.AddWithValue("$to", to.ToUnixMillis());
        var plainTime = Time(() => { using var r = plain.ExecuteReader(); while (r.Read()) { } return 0; }, runs: 3);

        // Failure analysis: the window and the previous one, through the partial covering index, against the same
        // counts by a scan of the raw events (no index holds (team, occurred_at) for all events).
        var failures = new FailureAnalysis(store, registry, new PendingRollups());
        long fromMs = from.ToUnixMillis(), toMs = to.ToUnixMillis();
        FailureReport failureReport = null!;
        var failureTime = Time(() => failureReport = failures.Analyze(teams, fromMs, toMs, MetricFilter.None, 10), runs: 20);
        var otpFilter = new MetricFilter().Allow(Dimension.Kind, ["otp"]);
        var failureOtp = Time(() => failures.Analyze(teams, toMs - 3_600_000, toMs, otpFilter, 10), runs: 50);
        var failScan = c.CreateCommand();
        failScan.CommandText = """
            SELECT e.status, e.error_code, COUNT(*) FROM events e NOT INDEXED
            WHERE e.team_id = $team AND e.occurred_at >= $from AND e.occurred_at < $to
              AND (e.error_code IS NOT NULL OR e.status IN (3, 4, 5, 11, 12, 13, 19))
            GROUP BY 1, 2
            """;
        failScan.Parameters.AddWithValue("$team", team);
        failScan.Parameters.AddWithValue("$from", fromMs - (toMs - fromMs));
        failScan.Parameters.AddWithValue("$to", toMs);
        var failScanTime = Time(() => { using var r = failScan.ExecuteReader(); while (r.Read()) { } return 0; }, runs: 3);

        report.Add("store size", $"{rows:N0} raw events", $"24 h window holds {total.Total:N0} items, {total.Events:N0} events");
        report.Add("summary 24 h (rollups)", $"p50 {summary.P50:F2} ms, p99 {summary.P99:F2} ms", $"{Runs} runs");
        report.Add("summary 24 h, channel=sms (rollups)", $"p50 {filtered.P50:F2} ms, p99 {filtered.P99:F2} ms");
        report.Add("summary 24 h, provider=twilio (rollups)", $"p50 {narrow.P50:F2} ms, p99 {narrow.P99:F2} ms");
        report.Add("timeseries 24 h hourly with percentiles (rollups)", $"p50 {series.P50:F2} ms, p99 {series.P99:F2} ms");
        report.Add("breakdown by provider 24 h (rollups)", $"p50 {breakdown.P50:F2} ms, p99 {breakdown.P99:F2} ms");
        report.Add("same cohort counts by GROUP BY over raw events", $"{raw.P50:F0} ms", $"rollup summary is {raw.P50 / summary.P99:F0}x faster (vs its p99); cohort {cohort:N0} items (rollups: {total.Total:N0})");
        report.Add("plain GROUP BY dims, status over the window's raw events", $"{plainTime.P50:F0} ms", $"rollup summary p99 is {plainTime.P50 / summary.P99:F0}x faster");
        report.Add("failure analysis 24 h + previous 24 h (partial index)", $"p50 {failureTime.P50:F1} ms, p99 {failureTime.P99:F1} ms",
            $"{failureReport.Total:N0} failures now, {failureReport.PreviousTotal:N0} before, {failureReport.DistinctCodes} codes");
        report.Add("failure analysis 1 h + previous 1 h, kind=otp", $"p50 {failureOtp.P50:F1} ms, p99 {failureOtp.P99:F1} ms");
        report.Add("same failure counts by a scan of the raw events", $"{failScanTime.P50:F0} ms", $"the index is {failScanTime.P50 / failureTime.P50:F0}x faster");
    }

    private static (double P50, double P99) Time<T>(Func<T> action, int runs = Runs)
    {
        action();
        var times = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            action();
            times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
        Array.Sort(times);
        return (times[runs / 2], times[Math.Min(runs - 1, (int)Math.Ceiling(runs * 0.99) - 1)]);
    }

    private static long Scalar(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar());
    }
}
