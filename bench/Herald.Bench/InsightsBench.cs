using Herald.Analytics;
using Herald.Analytics.Consent;
using Herald.Analytics.Insights;
using Herald.Analytics.Items;
using Herald.Engine;
using Herald.Storage.Sqlite;
using Herald.Tenancy;
using Microsoft.Data.Sqlite;

namespace Herald.Bench;

/// <summary>
/// Seed 003's insights in process on the store an <c>endpoints</c> run filled (<c>--dir</c>), team acme, the last
/// <c>--days</c> days (default 30), <c>--runs</c> timed runs (default 10):
/// each insight's p50 and p99, beside a plain <c>GROUP BY</c> over the same items (delivered per template) in the same run.
/// </summary>
public static class InsightsBench
{
    public static void Run(BenchOptions o, Report report)
    {
        string path = Path.Combine(o.Dir, "endpoints", "herald.db");
        if (!File.Exists(path)) throw new InvalidOperationException($"{path} does not exist: run the endpoints bench first");
        using var store = new SqliteStore(path);
        var applied = store.MigrateUp();
        report.Add("migrations applied", applied.Count == 0 ? "none" : string.Join(", ", applied.Select(m => m.Version)));
        var registry = new DimensionRegistry();
        registry.Load(store);
        var pending = new PendingRollups();
        int team = new TeamDirectory(store, TimeProvider.System).ByPublicIdOrName("acme")!.Id;
        var insights = new InsightAnalytics(new InsightItems(new ItemSearch(store, pending, registry), registry), store, store, store,
            new ConsentTimelines(store, pending), pending);
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), from = now - o.Days * 86_400_000L;
        var q = new InsightQuery(team, from, now, MetricFilter.None);

        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly");
        connection.Open();
        using var groupBy = connection.CreateCommand();
        groupBy.CommandText = """
            SELECT d.template, COUNT(*), SUM(i.status IN (6, 7, 8)) FROM items i JOIN dimension_sets d ON d.id = i.dimension_set_id
            WHERE i.team_id = $team AND i.earliest_at >= $from AND i.earliest_at < $to GROUP BY d.template
            """;
        groupBy.Parameters.AddWithValue("$team", team);
        groupBy.Parameters.AddWithValue("$from", from);
        groupBy.Parameters.AddWithValue("$to", now);
        long items = 0;
        var baseline = FailuresBench.Time(() =>
        {
            using var r = groupBy.ExecuteReader();
            items = 0;
            while (r.Read()) items += r.GetInt64(1);
        }, o.Runs);
        report.Add($"GROUP BY baseline (items per template, {o.Days} d)", $"p50 {baseline.P50:F0} ms, p99 {baseline.P99:F0} ms", $"{items:N0} items");
        foreach (var (name, run) in new (string, Action)[]
        {
            ("templates", () => insights.Templates(q)),
            ("send-times", () => insights.SendTimes(q)),
            ("rate-limits", () => insights.RateLimits(q)),
            ("segments", () => insights.Segments(q)),
            ("engagement-funnel", () => insights.EngagementFunnel(q)),
        })
        {
            var t = FailuresBench.Time(run, o.Runs);
            report.Add($"insight {name} ({o.Days} d)", $"p50 {t.P50:F0} ms, p99 {t.P99:F0} ms", $"{t.P50 / baseline.P50:F1}x the GROUP BY at p50");
        }
    }
}
