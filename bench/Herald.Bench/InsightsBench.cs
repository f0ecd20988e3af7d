using Herald.Analytics;
using Herald.Analytics.Consent;
using Herald.Analytics.Insights;
using Herald.Analytics.Items;
using Herald.Domain;
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
        var insights = new InsightAnalytics(new InsightItems(new ItemSearch(store, pending, registry), registry), new MetricsQuery(store, registry, pending),
            registry, store, store, store, new ConsentTimelines(store, pending), pending);
        // Whole minutes, as the API asks: the insights answer from rollup cells.
        long now = UtcMinute.FromDateTimeOffset(DateTimeOffset.UtcNow).ToUnixMillis(), from = now - o.Days * 86_400_000L;
        var q = new InsightQuery(team, from, now, MetricFilter.None);

        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly");
        connection.Open();
        report.Add("contacts and segments of acme", SeedSegments(store, connection, team, now));
        using var groupBy = connection.CreateCommand();
        groupBy.CommandText = """
            SELECT d.template, COUNT(*), SUM(i.status IN (6, 7, 8)) FROM items i JOIN dimension_sets d ON d.id = i.dimension_set_id
            WHERE i.team_id = $team AND i.earliest_at >= $from AND i.earliest_at < $to GROUP BY d.template
            """;
        groupBy.Parameters.AddWithValue("$team", team);
        groupBy.Parameters.AddWithValue("$from", from);
        groupBy.Parameters.AddWithValue("$to", now);
        long items = 0;
        var baseline = Time(() =>
        {
            using var r = groupBy.ExecuteReader();
            items = 0;
            while (r.Read()) items += r.GetInt64(1);
        }, o.Runs);
        report.Add($"GROUP BY baseline (items per template, {o.Days} d)", $"p50 {baseline.P50:F1} ms, p99 {baseline.P99:F1} ms, CPU {baseline.CpuMs:F1} ms/op", $"{items:N0} items");
        var times = insights.SendTimes(q);
        var segments = insights.Segments(q);
        report.Add("what the insights found", $"{insights.Templates(q).Templates.Count} templates; {times.Hours.Sum(h => h.Sent):N0} messages by local hour "
            + $"(zones: {times.ZoneSources.Contact:N0} contact, {times.ZoneSources.Country:N0} country, {times.ZoneSources.Team:N0} team)",
            $"segments: {string.Join(", ", segments.Segments.Select(s => $"{s.SegmentId} {s.Size:N0} members / {s.MessagesSent:N0} messages"))}; "
            + $"funnel: {insights.EngagementFunnel(q).States.Sum(f => f.Users):N0} users");
        foreach (var (name, run) in new (string, Action)[]
        {
            ("templates", () => insights.Templates(q)),
            ("send-times", () => insights.SendTimes(q)),
            ("segments", () => insights.Segments(q)),
            ("engagement-funnel", () => insights.EngagementFunnel(q)),
            // Last: it still reads every item of the window, the slowest by far.
            ("rate-limits", () => insights.RateLimits(q)),
        })
        {
            var t = Time(run, o.Runs);
            report.Add($"insight {name} ({o.Days} d)", $"p50 {t.P50:F1} ms, p99 {t.P99:F1} ms, CPU {t.CpuMs:F1} ms/op",
                $"{t.P50 / baseline.P50:F3}x the GROUP BY at p50, {t.CpuMs / baseline.CpuMs:F3}x its CPU");
        }
    }

    /// <summary>
    /// p50 and p99 of the timed runs (after one untimed warm-up) and the process's CPU time per run: on a shared machine the
    /// CPU time is the steadier figure.
    /// </summary>
    private static (double P50, double P99, double CpuMs) Time(Action action, int runs)
    {
        action();
        var process = System.Diagnostics.Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var (p50, p99) = FailuresBench.Time(action, runs);
        process.Refresh();
        // FailuresBench.Time runs the action once more as its own warm-up.
        return (p50, p99, (process.TotalProcessorTime - cpu0).TotalMilliseconds / (runs + 1));
    }

    /// <summary>
    /// Gives the store something for segments and send times to find (an endpoints store has no contacts): 2,000 of acme's
    /// recipients become contacts with a city and a tier, half of them with a time zone of their own (one of them a
    /// half-hour zone), and four segments: by tier, by city, an explicit list of 500 and by consent state. Once per store.
    /// </summary>
    private static string SeedSegments(SqliteStore store, SqliteConnection readOnly, int team, long nowMs)
    {
        if (store.ListSegments(team).Count > 0) return $"{store.ListContacts(team).Count:N0} contacts, {store.ListSegments(team).Count} segments (kept)";
        var recipients = new List<string>();
        using (var select = readOnly.CreateCommand())
        {
            select.CommandText = "SELECT recipient FROM items INDEXED BY ix_items_recipient_dims WHERE team_id = $team AND recipient IS NOT NULL GROUP BY recipient LIMIT 2000";
            select.Parameters.AddWithValue("$team", team);
            using var reader = select.ExecuteReader();
            while (reader.Read()) recipients.Add(reader.GetString(0));
        }
        string[] cities = ["Berlin", "Chicago", "Pune", "Lisbon"], zones = ["Europe/Berlin", "America/Chicago", "Asia/Kolkata", "Europe/Lisbon"];
        for (int i = 0; i < recipients.Count; i++)
            store.UpsertContact(team, recipients[i], i % 2 == 0 ? zones[i % 8 / 2] : null, null, null, nowMs,
                new Herald.Storage.ContactAttributeChanges(true, cities[i % 4], true, i % 5 == 0 ? "trial" : "standard", false, null));
        store.UpsertSegment(team, "trial", "Trial tier", """{"filter":{"tier":["trial"]}}""", nowMs);
        store.UpsertSegment(team, "berlin", "Berlin", """{"filter":{"city":["Berlin"]}}""", nowMs);
        store.UpsertSegment(team, "listed", "Listed", System.Text.Json.JsonSerializer.Serialize(new { recipients = recipients.Take(500) }), nowMs);
        store.UpsertSegment(team, "stopped", "Stopped", """{"filter":{"consent":["stopped"]}}""", nowMs);
        return $"{recipients.Count:N0} contacts ({(recipients.Count + 1) / 2:N0} with a zone of their own), 4 segments (seeded)";
    }
}
