using System.Diagnostics;
using Herald.Analytics;
using Herald.Analytics.Consent;
using Herald.Domain;
using Herald.Storage.Sqlite;
using Herald.Engine;

namespace Herald.Bench;

/// <summary>
/// In-process split of <c>/api/v1/analytics/compliance</c>'s cost on the store an <c>endpoints</c> run left (with its
/// compliance settings): the consent join, the minutes-by-account view of rate-limit adherence, and the whole report. Team acme,
/// the last 24 hours of its traffic.
/// </summary>
public static class ComplianceBench
{
    public static void Run(BenchOptions o, Report report)
    {
        string db = Path.Combine(o.Dir, "endpoints", "herald.db");
        using var store = new SqliteStore(db);
        var registry = new DimensionRegistry();
        registry.Load(store);
        var changes = new DataChanges();
        var pending = new PendingRollups(changes);
        var metrics = new MetricsQuery(store, registry, pending);
        var timelines = new ConsentTimelines(store, pending);

        long last;
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Mode=ReadOnly"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT MAX(earliest_at) FROM items";
            last = (long)cmd.ExecuteScalar()!;
        }
        var to = UtcMinute.FromUnixMillis(last).Next(Granularity.Minute);
        var from = new UtcMinute(to.Value - 1440);
        long fromMs = from.ToUnixMillis(), toMs = to.ToUnixMillis();
        var rules = new QuietRules(store.ComplianceSettings(1), store.ListContacts(1));
        var sw = Stopwatch.StartNew();
        using (pending.Read()) timelines.Of(1);
        report.Add("compliance: reading acme's consent timelines", $"{sw.Elapsed.TotalMilliseconds:0} ms", "once per process");
        long rows = 0;
        report.Add("compliance: reading 24 h of the index by earliest event, nothing judged", Time(() =>
        {
            rows = 0;
            store.ScanItemsByEarliest(1, fromMs, toMs, (_, _, _, _, _) => rows++);
        }), "the floor of a scan");
        report.Add("compliance: index entries read", $"{rows:N0}", "acme's items of 24 h, inbound included");
        report.Add("compliance: scanning 24 h of sends, nothing kept", Time(() =>
        {
            var fresh = new ComplianceHours(store, timelines, changes, pending, registry);
            using (pending.Read()) fresh.Tallies(1, from, to, rules, out _);
        }), "acme, in process: every hour read from the index by earliest event");
        var hours = new ComplianceHours(store, timelines, changes, pending, registry);
        report.Add("compliance: 24 h with whole hours kept", Time(() =>
        {
            using (pending.Read()) hours.Tallies(1, from, to, rules, out _);
        }), "the partial hours at the edges read, the rest kept");
        sw.Restart();
        var minutes = new AccountMinutes(store, pending, registry);
        minutes.Of(1, from.Floor(Granularity.Hour));
        report.Add("compliance: building acme's minutes-by-account view", $"{sw.Elapsed.TotalMilliseconds:0} ms", "once per process: 8 days of minute cells");
        report.Add("compliance: every account's minutes of 24 h", Time(() =>
        {
            for (var h = from.Floor(Granularity.Hour); h < to; h = h.Next(Granularity.Hour)) minutes.Of(1, h);
        }), "from the view");
        var compliance = new ComplianceAnalysis(hours, metrics, minutes, store, store, store, pending);
        var answer = compliance.Report(1, fromMs, toMs).ComplianceMetrics;
        report.Add("compliance: the answer", $"{answer.ConsentVerification.TotalMessagesSent:N0} sent; {answer.ConsentVerification.MessagesToOptedOutContacts:N0} to opted-out contacts; "
            + $"{answer.QuietHoursCompliance.MessagesDuringQuietHours:N0} in quiet hours; {answer.RateLimitAdherence.RateLimitViolations:N0} minutes over a TPS limit",
            answer.RateLimitAdherence.ComplianceStatus);
        report.Add("compliance: whole report", Time(() => compliance.Report(1, fromMs, toMs)), "");
    }

    private static string Time(Action a)
    {
        for (int i = 0; i < 3; i++) a();
        var times = new List<double>();
        for (int i = 0; i < 20; i++)
        {
            var sw = Stopwatch.StartNew();
            a();
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return $"p50 {times[10]:0.0} ms, max {times[^1]:0.0} ms";
    }
}
