using System.Diagnostics;
using Herald.Cli;
using Herald.Domain;
using Herald.Snapshots;
using Herald.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Herald.Engine;
using Herald.Tenancy;

namespace Herald.Bench;

/// <summary>
/// Snapshot generation for many teams: a fresh store with --teams teams (default 1,000), each with --items-per-team
/// message items (default 100, about 3 events each) over one ISO week, written through the engine's writer; then the
/// daily, weekly and monthly snapshot runs over every team are timed (each run twice: the second replaces the rows).
/// </summary>
public static class SnapshotBench
{
    private static readonly DateTimeOffset WeekStart = new(2026, 11, 9, 0, 0, 0, TimeSpan.Zero); // a Monday

    public static void Run(BenchOptions o, Report report)
    {
        string db = Path.Combine(o.Dir, "snapshots", "herald.db");
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(Path.GetDirectoryName(db))) Directory.Delete(Path.GetDirectoryName(db)!, true);
        using var store = new SqliteStore(db);
        store.MigrateUp();
        var registry = new DimensionRegistry();
        registry.Load(store);
        var pending = new PendingRollups();
        var writer = new BatchWriter(store, registry, pending, TimeProvider.System);
        var teams = new TeamDirectory(store, TimeProvider.System);

        Console.WriteLine($"snapshots: {o.Teams:N0} teams x {o.ItemsPerTeam} message items over the week of {WeekStart:yyyy-MM-dd}");
        var fill = Stopwatch.StartNew();
        long events = 0;
        var rnd = new Random(7);
        var batch = new List<IngestBatch>();
        for (int t = 0; t < o.Teams; t++)
        {
            int teamId = teams.Create($"bench-team-{t:D4}").Id;
            var list = new List<IncomingEvent>();
            for (int i = 0; i < o.ItemsPerTeam; i++) Item(rnd, $"m{i}", list);
            events += list.Count;
            batch.Add(new IngestBatch(teamId, list.ToArray()));
            if (batch.Count == 20)
            {
                writer.Write(batch);
                batch.Clear();
            }
        }
        if (batch.Count > 0) writer.Write(batch);
        writer.Flush();
        Console.WriteLine($"  wrote {events:N0} events for {o.Teams:N0} teams in {fill.Elapsed.TotalSeconds:F1} s");
        report.Add("snapshot bench data", $"{o.Teams:N0} teams, {events:N0} events", $"{o.ItemsPerTeam} message items per team over one week");

        var service = JobsCommand.Direct(store, registry, pending);
        foreach (var (type, day) in new[] { (SnapshotType.Daily, WeekStart.AddDays(3)), (SnapshotType.Weekly, WeekStart), (SnapshotType.Monthly, WeekStart) })
        {
            var period = SnapshotPeriod.Containing(type, DateOnly.FromDateTime(day.UtcDateTime));
            for (int run = 1; run <= 2; run++)
            {
                var sw = Stopwatch.StartNew();
                var result = service.Generate(period);
                sw.Stop();
                if (result.TeamsFailed > 0) throw new InvalidOperationException($"{result.TeamsFailed} teams failed: {result.Failures[0].Error}");
                report.Add($"{SnapshotTypes.Name(type).ToLowerInvariant()} snapshots, {o.Teams:N0} teams{(run == 2 ? " (again: upsert)" : "")}",
                    $"{sw.Elapsed.TotalSeconds:F2} s", $"{result.SnapshotsWritten:N0} snapshots, {sw.Elapsed.TotalMilliseconds / o.Teams:F2} ms per team; target < 10 s");
            }
        }
    }

    /// <summary>One message item: 90 % outbound (sent, then mostly delivered, some read and replied or failed), 10 % inbound.</summary>
    private static void Item(Random rnd, string itemId, List<IncomingEvent> events)
    {
        long at = WeekStart.ToUnixTimeMilliseconds() + (long)(rnd.NextDouble() * 7 * 86_400_000);
        string account = rnd.Next(2) == 0 ? "wa-main" : "wa-support";
        string recipient = $"+4477009{rnd.Next(20):D5}";
        if (rnd.Next(10) == 0)
        {
            events.Add(new IncomingEvent { ItemId = itemId, Kind = ItemKind.Message, Status = Status.Delivered, OccurredAtMs = at, Account = account,
                Channel = "whatsapp", Recipient = recipient, Direction = "inbound" });
            return;
        }
        string campaign = $"campaign-{rnd.Next(3)}";
        events.Add(new IncomingEvent { ItemId = itemId, Kind = ItemKind.Message, Status = Status.Sent, OccurredAtMs = at, Account = account,
            Channel = "whatsapp", Provider = "meta", Campaign = campaign, Recipient = recipient, Direction = "outbound", Cost = 0.005 });
        double r = rnd.NextDouble();
        if (r < 0.08)
        {
            events.Add(new IncomingEvent { ItemId = itemId, Status = Status.Failed, OccurredAtMs = at + 2_000, ErrorCode = "131026" });
            return;
        }
        events.Add(new IncomingEvent { ItemId = itemId, Status = Status.Delivered, OccurredAtMs = at + 1_500 });
        if (r < 0.6) events.Add(new IncomingEvent { ItemId = itemId, Status = Status.Read, OccurredAtMs = at + 60_000 });
        if (r < 0.2) events.Add(new IncomingEvent { ItemId = itemId, Status = Status.Replied, OccurredAtMs = at + 300_000 });
    }
}
