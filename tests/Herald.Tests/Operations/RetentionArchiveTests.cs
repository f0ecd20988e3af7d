using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Herald.Maintenance;
using Herald.Tests.Api;
using Herald.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static Herald.Tests.Operations.RowRetentionKit;

namespace Herald.Tests.Operations;

/// <summary>
/// <c>Herald:Retention:Archive</c>: every row the retention job deletes is first in a gzip NDJSON archive in the backup store
/// (a directory, or a bucket on a real s3rver), exactly those rows; when the store fails, nothing is deleted.
/// </summary>
public sealed class RetentionArchiveTests : IAsyncLifetime
{
    private const string Bucket = "herald-archive";
    private S3rverServer _s3 = null!;
    private bool _s3Stopped;

    private static readonly string[] Tables =
    [
        "events", "items", "contacts", "deliveries", "delivery_attempts", "delivery_tracking", "call_logs", "recordings", "alerts", "alert_notifications",
        "analytics_snapshots", "consent_changes",
    ];

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

    private static Dictionary<string, List<string>> Snapshot(string dataDir)
    {
        using var db = Open(dataDir);
        return Tables.ToDictionary(t => t, t => Rows(db, t));
    }

    /// <summary>Rows of <paramref name="before"/> not in <paramref name="after"/>, per table (as multisets).</summary>
    private static Dictionary<string, List<string>> Deleted(Dictionary<string, List<string>> before, Dictionary<string, List<string>> after) =>
        Tables.ToDictionary(t => t, t =>
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
        Assert.Equal(["alert_history", "consent_changes", "contacts", "deliveries", "items", "raw_events", "recordings", "snapshots"], byCollection.Keys.Order());
        Assert.Equal(run.Deleted.Where(p => p.Value > 0 && !p.Key.Contains("rollups", StringComparison.Ordinal) && !p.Key.Contains("failure_cells", StringComparison.Ordinal))
            .Select(p => p.Key).Order(), byCollection.Keys.Order());

        // Decompressed, the archives hold exactly the deleted rows, table by table.
        var archived = Tables.ToDictionary(t => t, _ => new List<string>());
        foreach (var bytes in archives.Values)
        {
            using var reader = new StreamReader(new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress));
            while (await reader.ReadLineAsync() is { } line)
            {
                var node = JsonNode.Parse(line)!;
                archived[node["table"]!.GetValue<string>()].Add(node["row"]!.ToJsonString());
            }
        }
        foreach (var table in Tables)
        {
            archived[table].Sort(StringComparer.Ordinal);
            Assert.True(deleted[table].Count > 0, $"nothing of {table} was deleted: the data must test it");
            Assert.Equal(deleted[table], archived[table]);
        }
        Assert.Empty(Directory.EnumerateFiles(server.DataDir, ".retention-*"));

        var report = await Kit.GetData(server.Admin, "/api/v1/admin/retention");
        Assert.True(report["archive"]!.GetValue<bool>());
        Assert.EndsWith("retention" + (store == "s3" ? "/" : ""), report["archive_location"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task When_the_archive_store_fails_nothing_is_deleted_and_the_run_says_why()
    {
        string dataDir = Path.Combine(Path.GetTempPath(), "herald-tests", Guid.NewGuid().ToString("n"));
        await using var server = await HeraldServer.StartAsync(Settings("s3", dataDir), dataDir);
        var (teamId, key) = await server.CreateTeamAsync("archive-down", "events:write", "metrics:read");
        await SeedAsync(server, key, TeamRowId(server, teamId), 2);

        await _s3.DisposeAsync();
        _s3Stopped = true;
        var before = Snapshot(server.DataDir);
        var files = Directory.EnumerateFiles(server.DataDir, "*.wav", SearchOption.AllDirectories).Count();
        var run = server.Services.GetRequiredService<DatabaseMaintenance>().RunOnce();

        Assert.NotNull(run.Error);
        Assert.Contains("could not be stored", run.Error, StringComparison.Ordinal);
        var after = Snapshot(server.DataDir);
        foreach (var table in Tables) Assert.Equal(before[table], after[table]);
        Assert.Equal(files, Directory.EnumerateFiles(server.DataDir, "*.wav", SearchOption.AllDirectories).Count());
        Assert.Empty(Directory.EnumerateFiles(server.DataDir, ".retention-*"));

        var report = await Kit.GetData(server.Admin, "/api/v1/admin/retention");
        Assert.Contains("could not be stored", report["last_run"]!["error"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
