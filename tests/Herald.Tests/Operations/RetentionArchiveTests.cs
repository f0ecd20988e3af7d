using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Herald.Audit;
using Herald.Maintenance;
using Herald.Monitoring;
using Herald.Otp;
using Herald.Reports;
using Herald.Storage;
using Herald.Storage.Sqlite;
using Herald.Tests.Api;
using Herald.Tests.Support;
using Herald.Utilization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static Herald.Tests.Operations.RowRetentionKit;

namespace Herald.Tests.Operations;

/// <summary>
/// <c>Herald:Retention:Archive</c>: every row the retention job deletes (rollup and failure cells included) is first in a gzip
/// NDJSON archive in the backup store (a directory, or a bucket on a real s3rver), exactly those rows; so is every row the
/// other age-based purges delete (audit trail, OTP data, system metrics, utilization samples, reports with their files),
/// and the audit chain still verifies, archive included. When the store fails, nothing is deleted.
/// </summary>
public sealed class RetentionArchiveTests : IAsyncLifetime
{
    private const string Bucket = "herald-archive";
    private S3rverServer _s3 = null!;
    private bool _s3Stopped;

    private static readonly string[] Tables =
    [
        "events", "items", "contacts", "deliveries", "delivery_attempts", "delivery_tracking", "call_logs", "recordings", "alerts", "alert_notifications",
        "analytics_snapshots", "consent_changes", "rollups", "failure_cells",
    ];

    /// <summary>The tables the services beside the retention job purge, each with when a row is past its default policy (Unix ms of now).</summary>
    private static readonly (string Table, Func<JsonNode, long, bool> Old)[] ServiceTables =
    [
        ("otps", (r, now) => Long(r, "expires_at") < now - Day),
        ("otp_attempts", (r, now) => Long(r, "started_at") < now - 30 * Day),
        ("system_metrics", (r, now) => Long(r, "at") < now - 30 * Day),
        ("utilization_samples", (r, now) => Long(r, "at") < now - 400 * Day),
        ("reports", (r, now) => Long(r, "created_at") < now - 30 * Day),
    ];

    private const int OldAuditEntries = 30;

    public async Task InitializeAsync() => _s3 = await S3rverServer.StartAsync(Bucket);

    public async Task DisposeAsync()
    {
        if (!_s3Stopped) await _s3.DisposeAsync();
    }

    private Dictionary<string, string?> Settings(string store, string dataDir)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Herald:Alerts:Enabled"] = "false",
            ["Herald:Retention:InitialDelay"] = "1.00:00:00",
            ["Herald:Writer:FlushInterval"] = "00:00:00.100",
            ["Herald:Recordings:Transcriber"] = "none",
            ["Herald:Retention:Archive"] = "true",
            ["Herald:Retention:RawEvents"] = "30.00:00:00",
            ["Herald:Retention:Items"] = "45.00:00:00",
            ["Herald:Retention:Contacts"] = "90.00:00:00",
            ["Herald:Retention:Deliveries"] = "120.00:00:00",
            ["Herald:Retention:Recordings"] = "60.00:00:00",
            ["Herald:Retention:Snapshots"] = "90.00:00:00",
            ["Herald:Retention:ConsentChanges"] = "200.00:00:00",
            ["Herald:Backup:Store"] = store,
            ["Herald:Backup:Directory"] = Path.Combine(dataDir, "offsite"),
            ["Herald:Security:OutboundAllowList"] = "127.0.0.1",
        };
        foreach (var (k, v) in _s3.Settings("Herald:Backup:S3", Bucket, "herald/")) settings[k] = v;
        return settings;
    }

    /// <summary>Old and new rows of every collection the job deletes row by row.</summary>
    private static async Task SeedAsync(HeraldServer server, string key, long team, int round)
    {
        var now = DateTimeOffset.UtcNow;
        long nowMs = now.ToUnixTimeMilliseconds();
        var c = server.Client(key);
        var events = new List<object>();
        for (int i = 0; i < 40; i++)
        {
            var at = now.AddDays(-(i * 3 % 110)).AddMinutes(-i);
            events.Add(Kit.Event($"r{round}-item-{i}", "sent", Kit.Format(at), eventId: $"r{round}-{i}-s", kind: "message", recipient: $"+4477002{i:D5}", cost: 0.5));
            events.Add(Kit.Event($"r{round}-item-{i}", i % 3 == 0 ? "failed" : "delivered", Kit.Format(at.AddSeconds(30)), eventId: $"r{round}-{i}-o"));
        }
        await Kit.Ingest(c, events);
        await Task.Delay(1000);
        await server.RestartAsync(() =>
        {
            using var db = Open(server.DataDir);
            // Each item's last event counted as received a minute after it occurred.
            Execute(db, $"UPDATE items SET last_event_received_at = status_at + 60000 WHERE item_id LIKE 'r{round}-%'");
            for (int i = 0; i < 12; i++)
            {
                long updated = nowMs - i * 20 * Day - 1000;
                AddContact(db, team, $"+4477003{round}{i:D4}", updated);
                AddDelivery(db, server.DataDir, team, $"cus_{round}_{i}", i % 2 == 0 ? Completed : InTransit, updated, withRecording: true);
            }
            Execute(db, "UPDATE delivery_engine_sync SET synced_through = (SELECT MAX(id) FROM delivery_tracking) WHERE id = 1");
            for (int i = 0; i < 4; i++)
            {
                long end = nowMs - i * 60 * Day;
                Execute(db, """
                    INSERT INTO analytics_snapshots (team_id, date, snapshot_type, period_start, period_end, metrics, created_at, updated_at)
                    VALUES ($team, $date, 'Daily', $start, $end, '{"sent":1}', $end, $end)
                    """, ("$team", team), ("$date", $"r{round}-{i}"), ("$start", end - Day), ("$end", end));
                long alert = Scalar(db, """
                    INSERT INTO alerts (public_id, team_id, rule_id, rule_name, metric_name, condition, threshold, severity, state, message, pending_since, fired_at, resolved_at, last_evaluated_at)
                    VALUES ($id, $team, 'r', 'r', 'volume', 'gt', 1, 'low', 'resolved', 'm', $since, $since, $resolved, $since) RETURNING id
                    """, ("$id", "al_" + Guid.NewGuid().ToString("n")), ("$team", team), ("$since", end - 2 * Day), ("$resolved", nowMs - i * 150 * Day));
                Execute(db, "INSERT INTO alert_notifications (alert_id, channel, event, sent_at, ok, attempts) VALUES ($a, 'webhook', 'fired', $t, 1, 1)", ("$a", alert), ("$t", end));
                string recipient = $"+4477004{round}{i:D4}";
                foreach (var (at, state) in new[] { (nowMs - (300 - i) * Day, 2), (nowMs - (250 - i * 40) * Day, 1) })
                    Execute(db, "INSERT INTO consent_changes (team_id, recipient, occurred_at, state, event_ref, keyword, source) VALUES ($t, $r, $at, $s, 0, '', 'api')",
                        ("$t", team), ("$r", recipient), ("$at", at), ("$s", state));
            }
        });
    }

    private static long Long(JsonNode row, string column) => row[column]!.GetValue<long>();

    /// <summary>
    /// Before the server's first start: the chain starts with <see cref="OldAuditEntries"/> entries from 400 days ago, then
    /// one of now (so the old ones are a prefix the audit retention removes whole).
    /// </summary>
    private static List<string> SeedOldAuditTrail(string dataDir)
    {
        Directory.CreateDirectory(dataDir);
        long old = DateTimeOffset.UtcNow.AddDays(-400).ToUnixTimeMilliseconds();
        using (var store = new SqliteStore(Path.Combine(dataDir, "herald.db")))
        {
            store.MigrateUp();
            store.AppendAudit([.. Enumerable.Range(0, OldAuditEntries).Select(i => new AuditEntry(old + i * 60_000L, i % 4 == 0 ? null : 1, "cli",
                i % 2 == 0 ? "10.0.0." + i : null, "create", "keys", "key_" + i, i % 5 == 0 ? 403 : 0, i % 3 == 0 ? null : ["name", "scopes"]))]);
            store.AppendAudit([new AuditEntry(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null, "cli", null, "create", "teams", "young", 0, null)]);
        }
        List<string> rows;
        using (var db = Open(dataDir)) rows = Rows(db, "audit_log");
        SqliteConnection.ClearAllPools();
        return rows;
    }

    /// <summary>
    /// While the server is stopped: old and young rows of the tables the services purge, and report files for the reports
    /// that have one; answers the old reports' files by their key (file_name). OTP recipients are stored sealed (a blob), so
    /// the start's upgrade of plain values leaves the rows as seeded.
    /// </summary>
    private static Dictionary<string, byte[]> SeedServiceRows(string dataDir, long team, string teamFolder)
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var oldFiles = new Dictionary<string, byte[]>();
        using var db = Open(dataDir);
        for (int i = 0; i < 6; i++)
        {
            bool old = i % 2 == 0;
            Execute(db, """
                INSERT INTO otps (team_id, delivery_id, user_id, recipient, delivery_method, code_hash, created_at, expires_at, delivery_status)
                VALUES ($t, $d, 'user-1', $r, 'sms', $h, $c, $e, $s)
                """, ("$t", team), ("$d", $"otp-{i}"), ("$r", new byte[] { 1, 2, (byte)i }), ("$h", new byte[] { 9, (byte)i }),
                ("$c", old ? now - 3 * Day - i : now - 60_000), ("$e", old ? now - 3 * Day + 300_000 : now + Day), ("$s", old ? "expired" : "pending"));
            Execute(db, """
                INSERT INTO otp_attempts (team_id, delivery_id, user_id, attempt, service, method, item_id, started_at, completed_at, success, error_code, response_ms)
                VALUES ($t, $d, 'user-1', 1, 'svc', 'sms', $item, $at, $at + 250, $ok, $code, 250.5)
                """, ("$t", team), ("$d", $"otp-{i}"), ("$item", $"otp-item-{i}"), ("$at", old ? now - 40 * Day - i : now - Day), ("$ok", i % 3 == 0 ? 1 : 0),
                ("$code", i % 3 == 0 ? null : "30007"));
            Execute(db, "INSERT INTO system_metrics (at, metric_type, value, unit, tags, source) VALUES ($at, 'cpu_usage', $v, 'percentage', '{\"host\":\"h\"}', 'application')",
                ("$at", old ? now - 40 * Day - i : now - Day - i), ("$v", 12.25 + i));
            Execute(db, """
                INSERT INTO utilization_samples (at, interval_ms, cpu_percent, memory_percent, memory_bytes, disk_percent, disk_free_bytes, database_bytes,
                    queue_depth, events, requests, server_errors, client_errors, latency_total_ms, latency_max_ms, latency_histogram, network_bytes)
                VALUES ($at, 60000, 3.5, 40.25, 1000000, 55.5, 5000000, 200000, 0, 10, 20, 0, 1, 30.5, 9.75, $hist, 4096)
                """, ("$at", old ? now - 500 * Day - i : now - 2 * Day - i), ("$hist", new byte[] { 0, 1, 2, (byte)i }));
            string id = $"rpt_{(old ? "old" : "new")}_{i}";
            string? file = i == 4 ? null : $"{teamFolder}/{id}.csv"; // a failed report has no file
            Execute(db, """
                INSERT INTO reports (id, team_id, type, format, params, file_name, size, created_at, completed_at, status, error, summary)
                VALUES ($id, $t, 'messages', 'csv', '{"from":"2025-01-01"}', $file, $size, $at, $at, $status, $error, NULL)
                """, ("$id", id), ("$t", team), ("$file", file), ("$size", file is null ? null : (object)64), ("$at", old ? now - 40 * Day - i : now - Day),
                ("$status", file is null ? "failed" : "completed"), ("$error", file is null ? "no data" : null));
            if (file is null) continue;
            byte[] content = System.Text.Encoding.UTF8.GetBytes($"date,sent\n2025-01-0{i + 1},{i * 7}\n");
            string path = Path.Combine(dataDir, "reports", file);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, content);
            if (old) oldFiles[file] = content;
        }
        return oldFiles;
    }

    /// <summary>Polls <c>GET /api/v1/admin/retention</c> until every named purge has run in this process and <paramref name="done"/> holds for it.</summary>
    private static async Task<Dictionary<string, JsonNode>> WaitForPurgesAsync(HeraldServer server, string[] archives, Func<JsonNode, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var report = await Kit.GetData(server.Admin, "/api/v1/admin/retention");
            var purges = report["collections"]!.AsArray().SelectMany(c => c!["last_purges"]!.AsArray())
                .ToDictionary(p => p!["archive"]!.GetValue<string>(), p => p!);
            if (archives.All(a => purges.TryGetValue(a, out var p) && done(p))) return purges;
            Assert.True(DateTime.UtcNow < deadline, "purges not seen: " + report["collections"]!.ToJsonString());
            await Task.Delay(250);
        }
    }

    /// <summary>Every archived row, per table, as the test's own row text (<see cref="RowRetentionKit.Rows"/>), sorted.</summary>
    private static async Task<Dictionary<string, List<string>>> ArchivedRowsAsync(IEnumerable<byte[]> archives)
    {
        var archived = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var bytes in archives)
        {
            using var reader = new StreamReader(new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress));
            while (await reader.ReadLineAsync() is { } line)
            {
                var node = JsonNode.Parse(line)!;
                string table = node["table"]!.GetValue<string>();
                if (!archived.TryGetValue(table, out var rows)) archived[table] = rows = [];
                rows.Add(node["row"]!.ToJsonString());
            }
        }
        foreach (var rows in archived.Values) rows.Sort(StringComparer.Ordinal);
        return archived;
    }

    private static Dictionary<string, List<string>> Snapshot(string dataDir, IEnumerable<string>? tables = null)
    {
        using var db = Open(dataDir);
        return (tables ?? Tables).ToDictionary(t => t, t => Rows(db, t));
    }

    /// <summary>Rows of <paramref name="before"/> not in <paramref name="after"/>, per table (as multisets).</summary>
    private static Dictionary<string, List<string>> Deleted(Dictionary<string, List<string>> before, Dictionary<string, List<string>> after) =>
        before.Keys.ToDictionary(t => t, t =>
        {
            var left = after[t].GroupBy(r => r).ToDictionary(g => g.Key, g => g.Count());
            var gone = new List<string>();
            foreach (var row in before[t])
                if (left.TryGetValue(row, out int n) && n > 0) left[row] = n - 1;
                else gone.Add(row);
            gone.Sort(StringComparer.Ordinal);
            return gone;
        });

    private async Task<Dictionary<string, byte[]>> ArchivesAsync(string store, string dataDir)
    {
        var archives = new Dictionary<string, byte[]>();
        if (store == "directory")
        {
            string folder = Path.Combine(dataDir, "offsite", "retention");
            foreach (var file in Directory.EnumerateFiles(folder, "*.ndjson.gz"))
            {
                byte[] bytes = await File.ReadAllBytesAsync(file);
                var sha = (await File.ReadAllTextAsync(file + ".sha256")).Split(' ')[0];
                Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), sha);
                archives[Path.GetFileName(file)] = bytes;
            }
            return archives;
        }
        using var bucket = _s3.Bucket(Bucket, "herald/retention/");
        foreach (var (name, _, _) in await bucket.ListAsync(default))
        {
            var got = (await bucket.GetAsync(name, null, default))!.Value;
            using var copy = new MemoryStream();
            await using (got.Body) await got.Body.CopyToAsync(copy);
            var head = (await bucket.HeadAsync(name, default))!.Value;
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(copy.ToArray())), head.Metadata["sha256"]);
            archives[name] = copy.ToArray();
        }
        return archives;
    }

    [Theory]
    [InlineData("directory")]
    [InlineData("s3")]
    public async Task Every_deleted_row_is_in_its_collections_archive_and_only_those(string store)
    {
        string dataDir = Path.Combine(Path.GetTempPath(), "herald-tests", Guid.NewGuid().ToString("n"));
        await using var server = await HeraldServer.StartAsync(Settings(store, dataDir), dataDir);
        var (teamId, key) = await server.CreateTeamAsync("archive-" + store, "events:write", "metrics:read");
        long team = TeamRowId(server, teamId);
        await SeedAsync(server, key, team, 1);

        var before = Snapshot(server.DataDir);
        var run = server.Services.GetRequiredService<DatabaseMaintenance>().RunOnce();
        Assert.Null(run.Error);
        var deleted = Deleted(before, Snapshot(server.DataDir));
        var archives = await ArchivesAsync(store, server.DataDir);

        // One archive per collection that lost rows, named with the collection and the rows' time range.
        var byCollection = new Dictionary<string, string>();
        foreach (var name in archives.Keys)
        {
            var parts = name[..^".ndjson.gz".Length].Split('-');
            Assert.Equal(4, parts.Length);
            var from = DateTimeOffset.ParseExact(parts[1], "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            var to = DateTimeOffset.ParseExact(parts[2], "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            Assert.True(from <= to && to < DateTimeOffset.UtcNow, name);
            byCollection.Add(parts[0], name);
        }
        Assert.Equal(
            ["alert_history", "consent_changes", "contacts", "deliveries", "hour_failure_cells", "hour_rollups", "items", "minute_rollups", "raw_events", "recordings", "snapshots"],
            byCollection.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(run.Deleted.Where(p => p.Value > 0).Select(p => p.Key).Order(StringComparer.Ordinal), byCollection.Keys.Order(StringComparer.Ordinal));

        // Decompressed, the archives hold exactly the deleted rows, table by table; no cell younger than its tier's horizon went.
        var archived = await ArchivedRowsAsync(archives.Values);
        Assert.Equal(Tables.Order(StringComparer.Ordinal), archived.Keys.Order(StringComparer.Ordinal));
        foreach (var table in Tables)
        {
            Assert.True(deleted[table].Count > 0, $"nothing of {table} was deleted: the data must test it");
            Assert.Equal(deleted[table], archived[table]);
        }
        var maintenance = server.Services.GetRequiredService<DatabaseMaintenance>();
        var horizons = maintenance.Tiers().ToDictionary(t => (long)t.G, t => DatabaseMaintenance.Cutoff(DateTimeOffset.FromUnixTimeMilliseconds(run.StartedAtMs), t.G, t.Retention).Value);
        foreach (var table in new[] { "rollups", "failure_cells" })
        {
            foreach (var row in before[table])
            {
                var cell = JsonNode.Parse(row)!;
                bool past = Long(cell, "bucket") < horizons[Long(cell, "granularity")];
                Assert.True(past == deleted[table].Contains(row), $"{table}: {row} (past its horizon: {past})");
            }
        }
        Assert.Empty(Directory.EnumerateFiles(server.DataDir, ".retention-*"));

        var report = await Kit.GetData(server.Admin, "/api/v1/admin/retention");
        Assert.True(report["archive"]!.GetValue<bool>());
        Assert.EndsWith("retention" + (store == "s3" ? "/" : ""), report["archive_location"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_row_the_other_purges_delete_is_archived_first_and_the_audit_chain_verifies_across_the_archive()
    {
        string dataDir = Path.Combine(Path.GetTempPath(), "herald-tests", Guid.NewGuid().ToString("n"));
        var settings = Settings("directory", dataDir);
        settings["Herald:SystemMetrics:SampleInterval"] = "00:00:01";
        settings["Herald:Utilization:SampleInterval"] = "00:00:01";
        var auditBefore = SeedOldAuditTrail(dataDir);

        // The audit trail's retention runs at start: the old prefix goes, archived.
        await using var server = await HeraldServer.StartAsync(settings, dataDir);
        await WaitForPurgesAsync(server, [AuditMaintenance.Collection], p => p["deleted"]!.GetValue<long>() > 0);
        var (teamId, _) = await server.CreateTeamAsync("archive-services", "events:write", "metrics:read");
        long team = TeamRowId(server, teamId);

        // The others run at the next start (reports, OTP data) or their first tick (system metrics, utilization samples).
        Dictionary<string, List<string>> before = [];
        Dictionary<string, byte[]> oldFiles = [];
        long nowMs = 0;
        await server.RestartAsync(() =>
        {
            oldFiles = SeedServiceRows(server.DataDir, team, teamId);
            nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            before = Snapshot(server.DataDir, ServiceTables.Select(t => t.Table));
        });
        await WaitForPurgesAsync(server, ["otps", "otp_attempts", "system_metrics", "utilization", "reports"], p => p["deleted"]!.GetValue<long>() > 0);
        var deleted = Deleted(before, Snapshot(server.DataDir, ServiceTables.Select(t => t.Table)));
        var auditAfter = Snapshot(server.DataDir, ["audit_log"]);
        deleted["audit_log"] = Deleted(new() { ["audit_log"] = auditBefore }, auditAfter)["audit_log"];
        var archives = await ArchivesAsync("directory", server.DataDir);
        Assert.Empty(Directory.EnumerateFiles(server.DataDir, ".retention-*"));

        // Exactly the rows past each policy (recomputed from the rows as seeded) went, and exactly those are archived.
        var archived = await ArchivedRowsAsync(archives.Values);
        foreach (var (table, old) in ServiceTables)
        {
            var expected = before[table].Where(r => old(JsonNode.Parse(r)!, nowMs)).Order(StringComparer.Ordinal).ToList();
            Assert.True(expected.Count > 0, $"nothing of {table} is old: the data must test it");
            Assert.Equal(expected, deleted[table]);
            Assert.Equal(expected, archived[table]);
        }
        var oldAudit = auditBefore.Take(OldAuditEntries).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(oldAudit, deleted["audit_log"]);
        Assert.Equal(oldAudit, archived["audit_log"]);

        // Each old report's file is in the archive beside its row, and gone; a kept report keeps its file.
        var archivedFiles = archived["reports_files"].Select(r => JsonNode.Parse(r)!)
            .ToDictionary(r => r["key"]!.GetValue<string>(), r => Convert.FromBase64String(r["content"]!.GetValue<string>()));
        Assert.Equal(oldFiles.Keys.Order(StringComparer.Ordinal), archivedFiles.Keys.Order(StringComparer.Ordinal));
        foreach (var (file, content) in oldFiles)
        {
            Assert.Equal(content, archivedFiles[file]);
            Assert.False(File.Exists(Path.Combine(server.DataDir, "reports", file)), file);
        }
        Assert.True(File.Exists(Path.Combine(server.DataDir, "reports", teamId, "rpt_new_1.csv")));

        var report = await Kit.GetData(server.Admin, "/api/v1/admin/retention");
        var byName = report["collections"]!.AsArray().ToDictionary(c => c!["collection"]!.GetValue<string>(), c => c!);
        foreach (var name in new[] { "rollups", "items", "contacts", "reports", "otp", "audit", "system_metrics", "utilization", "alert_history" })
            Assert.True(byName[name]["archived"]!.GetValue<bool>(), name);
        Assert.False(byName["server_history"]["archived"]!.GetValue<bool>());

        // The kept chain starts where the archive ends: `herald audit verify --archive` walks both as one chain.
        await server.StopAsync();
        SqliteConnection.ClearAllPools();
        var (code, stdout, stderr) = await HeraldCli.RunSplitAsync(dataDir, "audit", "verify", "--archive", Path.Combine(dataDir, "offsite", "retention"));
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains($"archived entries intact: {OldAuditEntries} entries, 1..{OldAuditEntries}, chained into entry {OldAuditEntries + 1}", stdout);

        // An archived entry edited afterwards is found.
        string auditArchive = Directory.EnumerateFiles(Path.Combine(dataDir, "offsite", "retention"), "audit-*.ndjson.gz").Single();
        var lines = new List<string>();
        using (var reader = new StreamReader(new GZipStream(File.OpenRead(auditArchive), CompressionMode.Decompress)))
            while (await reader.ReadLineAsync() is { } line) lines.Add(line.Replace("\"key_7\"", "\"key_x\"", StringComparison.Ordinal));
        await using (var gzip = new GZipStream(File.Create(auditArchive), CompressionLevel.Optimal))
            await gzip.WriteAsync(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"));
        (code, _, stderr) = await HeraldCli.RunSplitAsync(dataDir, "audit", "verify", "--archive", Path.Combine(dataDir, "offsite", "retention"));
        Assert.Equal(Herald.Cli.AuditCommand.ChainBroken, code);
        Assert.Contains("archived audit trail broken at entry 8", stderr);
    }

    [Fact]
    public async Task When_the_archive_store_fails_nothing_is_deleted_and_the_run_says_why()
    {
        string dataDir = Path.Combine(Path.GetTempPath(), "herald-tests", Guid.NewGuid().ToString("n"));
        // Down from the first start on: the audit trail's retention at start fails too.
        await _s3.DisposeAsync();
        _s3Stopped = true;
        var auditBefore = SeedOldAuditTrail(dataDir);
        await using var server = await HeraldServer.StartAsync(Settings("s3", dataDir), dataDir);
        var (teamId, key) = await server.CreateTeamAsync("archive-down", "events:write", "metrics:read");
        long team = TeamRowId(server, teamId);
        await SeedAsync(server, key, team, 2);
        Dictionary<string, byte[]> oldFiles = [];
        Dictionary<string, List<string>> seeded = [];
        await server.RestartAsync(() =>
        {
            oldFiles = SeedServiceRows(server.DataDir, team, teamId);
            seeded = Snapshot(server.DataDir, ServiceTables.Select(t => t.Table));
        });

        var before = Snapshot(server.DataDir);
        var files = Directory.EnumerateFiles(server.DataDir, "*.wav", SearchOption.AllDirectories).Count();
        var run = server.Services.GetRequiredService<DatabaseMaintenance>().RunOnce();
        Assert.NotNull(run.Error);
        Assert.Contains("could not be stored", run.Error, StringComparison.Ordinal);

        // Each purge beside the job refuses the same way, whether its service ran it (at start, at its tick) or this test does.
        var hosted = server.Services.GetServices<IHostedService>().ToList();
        var purges = new (string Name, Func<long> Purge)[]
        {
            ("audit", () => hosted.OfType<AuditMaintenance>().Single().Purge()),
            ("otps", () => hosted.OfType<OtpMaintenance>().Single().CleanUp().OtpsDeleted),
            ("system_metrics", () => hosted.OfType<SystemMetricsCollector>().Single().PurgeOld()),
            ("utilization", () => hosted.OfType<UtilizationSampler>().Single().PurgeOld()),
            ("reports", () => server.Services.GetRequiredService<ReportService>().Cleanup()),
        };
        foreach (var (name, purge) in purges)
        {
            var refused = Assert.Throws<InvalidOperationException>(() => purge());
            Assert.Contains("could not be stored", refused.Message, StringComparison.Ordinal);
            Assert.Contains($"no {name} were deleted", refused.Message, StringComparison.Ordinal);
        }

        var after = Snapshot(server.DataDir);
        foreach (var table in Tables) Assert.Equal(before[table], after[table]);
        // New rows (samples, audit entries) may come; none seeded goes.
        var afterServices = Snapshot(server.DataDir, ServiceTables.Select(t => t.Table));
        foreach (var (table, _) in ServiceTables) Assert.Empty(Deleted(new() { [table] = seeded[table] }, new() { [table] = afterServices[table] })[table]);
        Assert.Empty(Deleted(new() { ["audit_log"] = auditBefore }, Snapshot(server.DataDir, ["audit_log"]))["audit_log"]);
        Assert.True(server.Services.GetRequiredService<IAuditStore>().VerifyAudit() is { Intact: true, FirstSeq: 1 });
        foreach (var file in oldFiles.Keys) Assert.True(File.Exists(Path.Combine(server.DataDir, "reports", file)), file);
        Assert.Equal(files, Directory.EnumerateFiles(server.DataDir, "*.wav", SearchOption.AllDirectories).Count());
        Assert.Empty(Directory.EnumerateFiles(server.DataDir, ".retention-*"));

        var report = await Kit.GetData(server.Admin, "/api/v1/admin/retention");
        Assert.Contains("could not be stored", report["last_run"]!["error"]!.GetValue<string>(), StringComparison.Ordinal);
        var lastPurges = report["collections"]!.AsArray().SelectMany(c => c!["last_purges"]!.AsArray()).ToDictionary(p => p!["archive"]!.GetValue<string>(), p => p!);
        foreach (var name in new[] { "audit", "otps", "system_metrics", "utilization", "reports", "minute_rollups" })
            Assert.Contains("could not be stored", lastPurges[name]["error"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
