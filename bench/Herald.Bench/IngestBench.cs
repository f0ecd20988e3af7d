using System.Diagnostics;
using Herald.Domain;
using Herald.Simulation;
using Herald.Storage;
using Herald.Storage.Encryption;
using Herald.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Herald.Engine;
using Herald.Tenancy;

namespace Herald.Bench;

/// <summary>
/// Engine ingest (raw events + item state + rollups, one transaction per batch) against a bare SQLite append
/// of the same event rows with the same indexes, side by side on the same generated stream.
/// Only time inside the writes is counted, so the generator's cost is excluded from both.
/// </summary>
public static class IngestBench
{
    public static SimulationProfile Profile(long events) => new()
    {
        Seed = 7,
        Teams = 3,
        // About 3.5 simulated days for 10 million events, so daily, hourly and minute cells are all realistic.
        ItemsPerSecond = Math.Max(1, events / 1_000_000.0),
    };

    public static void Run(BenchOptions o, Report report)
    {
        Console.WriteLine($"ingest: {o.Events:N0} events, batches of {o.BatchSize}");
        var (baseline, baselineCpu) = Baseline(o);
        report.Add("bare SQLite append (same rows, same indexes)", $"{baseline:N0} events/s", $"{baselineCpu:F2} µs CPU/event");
        var engine = Engine(o);
        report.Add("engine ingest with rollups", $"{engine.EventsPerSecond:N0} events/s",
            $"ratio to bare append {engine.EventsPerSecond / baseline:F2}; bench process peak RSS {engine.PeakRssMb} MB");
        report.Add("engine CPU per event", $"{engine.CpuMicrosPerEvent:F2} µs CPU/event",
            $"bare append / engine, by CPU time: {baselineCpu / engine.CpuMicrosPerEvent:F2}");
        if (!RecipientPrivacy.IsHashedSetting(o.Recipients)) return;
        // The same stream again with Herald__Privacy__Recipients=hashed, right after the plain run it is compared with.
        var hashed = Engine(o, hashedRecipients: true);
        report.Add("engine ingest, hashed recipients", $"{hashed.EventsPerSecond:N0} events/s",
            $"ratio to plain engine {hashed.EventsPerSecond / engine.EventsPerSecond:F2}; ratio to bare append {hashed.EventsPerSecond / baseline:F2}");
        report.Add("engine CPU per event, hashed recipients", $"{hashed.CpuMicrosPerEvent:F2} µs CPU/event",
            $"plain / hashed, by CPU time: {engine.CpuMicrosPerEvent / hashed.CpuMicrosPerEvent:F2}; +{hashed.CpuMicrosPerEvent - engine.CpuMicrosPerEvent:F2} µs CPU/event");
    }

    /// <summary>One engine run: its rate, the process CPU time it took per event, and the process's RSS after it.</summary>
    public readonly record struct EngineRun(double EventsPerSecond, long PeakRssMb, double CpuMicrosPerEvent = 0);

    /// <summary>
    /// Time inside the writes, by the wall clock and by the process's CPU time. On a machine other work shares, the wall
    /// clock counts the time slices others took; CPU time (both runs' writes are single-threaded) mostly does not.
    /// </summary>
    private sealed class WriteClock
    {
        private readonly Stopwatch _wall = new();
        private TimeSpan _cpuAtStart, _cpu;

        public bool IsRunning => _wall.IsRunning;
        public TimeSpan Elapsed => _wall.Elapsed;
        public TimeSpan Cpu => _cpu;

        public void Start()
        {
            _cpuAtStart = Environment.CpuUsage.TotalTime;
            _wall.Start();
        }

        public void Stop()
        {
            _wall.Stop();
            _cpu += Environment.CpuUsage.TotalTime - _cpuAtStart;
        }
    }

    /// <param name="timings">The store's timing recorder, as the server gives it one; none for the bare writer.</param>
    /// <param name="hashedRecipients">Store recipients as keyed HMACs (Herald__Privacy__Recipients=hashed), as a server would.</param>
    public static EngineRun Engine(BenchOptions o, StoreTimings? timings = null, bool quiet = false, bool hashedRecipients = false)
    {
        Fresh(o.EngineDb);
        using var store = new SqliteStore(o.EngineDb, timings: timings);
        store.MigrateUp();
        var recipients = store.UseRecipientMode(hashedRecipients, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var registry = new DimensionRegistry();
        registry.Load(store);
        var teams = new TeamDirectory(store, TimeProvider.System);
        var writer = new BatchWriter(store, registry, new PendingRollups(), TimeProvider.System, new WriterOptions { FlushInterval = o.FlushInterval },
            recipients: recipients);
        var generator = new TrafficGenerator(Profile(o.Events));
        var teamIds = generator.TeamNames.ToDictionary(n => n, n => teams.GetOrCreate(n).Id);

        var inWrite = new WriteClock();
        long done = 0, nextReport = 1_000_000;
        foreach (var chunk in generator.GenerateBatches(o.Events, o.BatchSize))
        {
            var batches = Split(chunk, teamIds);
            inWrite.Start();
            writer.Write(batches);
            inWrite.Stop();
            done += chunk.Count;
            if (!quiet && done >= nextReport && !inWrite.IsRunning)
            {
                Console.WriteLine($"  engine {done:N0} events, {done / inWrite.Elapsed.TotalSeconds:N0} events/s, {inWrite.Cpu.TotalMicroseconds / done:F2} µs CPU/event");
                nextReport += 1_000_000;
            }
        }
        inWrite.Start();
        writer.Flush();
        inWrite.Stop();
        if (!quiet) Console.WriteLine($"  per event: {writer.ItemRowsWritten / (double)done:F2} item rows, {writer.CellRowsWritten / (double)done:F2} cell merges, {writer.ItemLookups / (double)done:F3} item lookups, {writer.FailureCellRowsWritten / (double)done:F3} failure cell merges, {writer.FailureMoves / (double)done:F4} items whose failures moved");
        return new EngineRun(done / inWrite.Elapsed.TotalSeconds, Environment.WorkingSet / 1_000_000, inWrite.Cpu.TotalMicroseconds / done);
    }

    private static List<IngestBatch> Split(IReadOnlyList<SimulatedEvent> chunk, Dictionary<string, int> teamIds)
    {
        var byTeam = new Dictionary<string, List<IncomingEvent>>();
        foreach (var e in chunk)
            (byTeam.TryGetValue(e.TeamName, out var l) ? l : byTeam[e.TeamName] = new List<IncomingEvent>()).Add(e.Event);
        return byTeam.Select(kv => new IngestBatch(teamIds[kv.Key], kv.Value.ToArray())).ToList();
    }

    /// <summary>The same event rows into the same table and indexes, with nothing else: the floor to compare with.</summary>
    private static (double EventsPerSecond, double CpuMicrosPerEvent) Baseline(BenchOptions o)
    {
        Fresh(o.BaselineDb);
        var cs = new SqliteConnectionStringBuilder { DataSource = o.BaselineDb, Pooling = false }.ToString();
        using var c = new SqliteConnection(cs);
        c.Open();
        Exec(c, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-32768; PRAGMA temp_store=MEMORY;");
        Exec(c, """
            CREATE TABLE events (id INTEGER PRIMARY KEY, team_id INTEGER NOT NULL, item_ref INTEGER NOT NULL, dedupe_key TEXT NOT NULL,
                status INTEGER NOT NULL, occurred_at INTEGER NOT NULL, received_at INTEGER NOT NULL, dimension_set_id INTEGER NOT NULL,
                recipient TEXT, error_code TEXT, error_message TEXT, cost REAL, attempt INTEGER, text TEXT, metadata TEXT, new_item_id TEXT);
            CREATE UNIQUE INDEX ux_events_dedupe ON events(team_id, dedupe_key);
            CREATE INDEX ix_events_item ON events(item_ref);
            """);
        // A raw prepared statement bound by position, the technique the engine's writer uses for events.
        using var insert = new RawStatement(c, """
            INSERT INTO events (team_id, item_ref, dedupe_key, status, occurred_at, received_at, dimension_set_id, recipient,
                error_code, error_message, cost, attempt, text, metadata, new_item_id)
            VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15) ON CONFLICT (team_id, dedupe_key) DO NOTHING
            """);
        var itemIds = new Dictionary<(string, string), long>();
        var teamIds = new Dictionary<string, int>();
        var generator = new TrafficGenerator(Profile(o.Events));
        var inWrite = new WriteClock();
        long done = 0;
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var chunk in generator.GenerateBatches(o.Events, o.BatchSize))
        {
            // Item refs are resolved outside the timed part: the baseline pays only for the append.
            var refs = new long[chunk.Count];
            var firsts = new bool[chunk.Count];
            for (int i = 0; i < chunk.Count; i++)
            {
                var key = (chunk[i].TeamName, chunk[i].Event.ItemId);
                if (!itemIds.TryGetValue(key, out long r))
                {
                    itemIds[key] = r = itemIds.Count + 1;
                    firsts[i] = true;
                }
                refs[i] = r;
                if (!teamIds.ContainsKey(chunk[i].TeamName)) teamIds[chunk[i].TeamName] = teamIds.Count + 1;
            }
            inWrite.Start();
            using (var tx = c.BeginTransaction())
            {
                for (int i = 0; i < chunk.Count; i++)
                {
                    var e = chunk[i].Event;
                    insert.Bind(1, teamIds[chunk[i].TeamName]);
                    insert.Bind(2, refs[i]);
                    insert.Bind(3, e.EventId ?? EventKeys.Synthetic(refs[i], (int)e.Status, e.OccurredAtMs));
                    insert.Bind(4, (int)e.Status);
                    insert.Bind(5, e.OccurredAtMs);
                    insert.Bind(6, now);
                    insert.Bind(7, 0);
                    insert.Bind(8, e.Recipient);
                    insert.Bind(9, e.ErrorCode);
                    insert.Bind(10, e.ErrorMessage);
                    insert.Bind(11, e.Cost);
                    insert.Bind(12, (long?)e.Attempt);
                    insert.Bind(13, e.Text);
                    insert.Bind(14, e.MetadataJson);
                    insert.Bind(15, firsts[i] ? e.ItemId : null);
                    insert.Execute();
                }
                tx.Commit();
            }
            inWrite.Stop();
            done += chunk.Count;
        }
        return (done / inWrite.Elapsed.TotalSeconds, inWrite.Cpu.TotalMicroseconds / done);
    }

    private static void Exec(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static void Fresh(string path)
    {
        SqliteConnection.ClearAllPools();
        var dir = Path.GetDirectoryName(path)!;
        if (Directory.Exists(dir)) Directory.Delete(dir, true);
        Directory.CreateDirectory(dir);
    }
}
