using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Herald.Tests.Api;
using Herald.Tests.Durability;
using Herald.Tests.Support;

namespace Herald.Tests.Cli;

/// <summary>
/// Continuous WAL archiving and <c>herald backup restore --at</c>, end to end: real server processes with archiving on, the
/// real CLI restoring into a new directory, and a real server started on what it restored.
/// </summary>
public sealed class PointInTimeRestoreTests : IDisposable
{
    private const string AdminKey = "hk_pitr_admin_key";
    private const string BackupKey = "pitr backup key 3c1e";
    private static readonly Dictionary<string, string> WithKey = new() { ["HERALD_BACKUP_KEY"] = BackupKey };
    private readonly string _work = Path.Combine(Path.GetTempPath(), "herald-pitr-tests", Guid.NewGuid().ToString("n"));

    private string Archive => Path.Combine(_work, "archive");

    private Dictionary<string, string> Archiving() => new()
    {
        ["HERALD_BACKUP_KEY"] = BackupKey,
        ["Herald__Backup__Archive__Enabled"] = "true",
        ["Herald__Backup__Archive__Directory"] = Archive,
        // Checkpoint (and so reset the log) often, so restores cross many log resets.
        ["Herald__Backup__Archive__CheckpointFrames"] = "40",
        ["Logging__LogLevel__Default"] = "Warning",
    };

    [Fact]
    public async Task Restore_at_T_gives_the_metrics_served_at_T_and_nothing_configured_after_it()
    {
        string dataDir = Path.Combine(_work, "live");
        string keyA, keyB, teamId;
        string summaryAtT, failuresAtT, breakdownAtT;
        DateTimeOffset t;
        using (var live = await HeraldProcess.StartAsync(dataDir, AdminKey, Archiving()))
        {
            using var admin = Client(live, AdminKey);
            teamId = (await HeraldServer.ReadData(await admin.PostAsJsonAsync("/api/v1/teams", new { name = "pitr" })))["id"]!.GetValue<string>();
            keyA = await CreateKey(admin, teamId, "before-t");
            using var client = Client(live, keyA);
            for (int batch = 0; batch < 6; batch++)
                await Kit.Ingest(client, Enumerable.Range(batch * 50, 50).Select(i =>
                    Kit.Event($"a-{i}", i % 4 == 0 ? "failed" : "delivered", Kit.At(i % 300), provider: i % 3 == 0 ? "twilio" : "vonage")).ToArray());
            summaryAtT = await Get(client, $"/api/v1/metrics/summary?{Kit.DayWindow}");
            failuresAtT = await Get(client, $"/api/v1/failures?{Kit.DayWindow}&limit=100");
            breakdownAtT = await Get(client, $"/api/v1/metrics/breakdown?by=provider&{Kit.DayWindow}");
            Assert.Contains("\"total\":300", summaryAtT);

            t = await CaughtUp(DateTimeOffset.UtcNow);

            // After T: a key, a team, and phase B.
            await Task.Delay(20);
            keyB = await CreateKey(admin, teamId, "after-t");
            Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/v1/teams", new { name = "made-after-t" })).StatusCode);
            await Kit.Ingest(client, Enumerable.Range(0, 120).Select(i => Kit.Event($"b-{i}", "failed", Kit.At(i % 300), provider: "sinch")).ToArray());
            Assert.NotEqual(summaryAtT, await Get(client, $"/api/v1/metrics/summary?{Kit.DayWindow}"));
            await CaughtUp(DateTimeOffset.UtcNow);
        }

        string restored = Path.Combine(_work, "restored");
        var (code, stdout, stderr) = await HeraldCli.RunSplitAsync(_work, WithKey, "backup", "restore", Archive, "--data-dir", restored, "--at", Iso(t));
        Assert.True(code == 0, stderr);
        Assert.Contains("restored", stdout);
        // The key files came back with the database, byte for byte.
        var keyFiles = Directory.EnumerateFiles(dataDir, "*.key").Select(Path.GetFileName).Order().ToList();
        Assert.NotEmpty(keyFiles);
        foreach (var name in keyFiles)
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(dataDir, name!)), await File.ReadAllBytesAsync(Path.Combine(restored, name!)));

        CarryMasterKey(dataDir, restored);
        using (var server = await HeraldProcess.StartAsync(restored, AdminKey))
        {
            using var client = Client(server, keyA);
            Assert.Equal(summaryAtT, await Get(client, $"/api/v1/metrics/summary?{Kit.DayWindow}"));
            Assert.Equal(failuresAtT, await Get(client, $"/api/v1/failures?{Kit.DayWindow}&limit=100"));
            Assert.Equal(breakdownAtT, await Get(client, $"/api/v1/metrics/breakdown?by=provider&{Kit.DayWindow}"));
            using var after = Client(server, keyB);
            Assert.Equal(HttpStatusCode.Unauthorized, (await after.GetAsync($"/api/v1/metrics/summary?{Kit.DayWindow}")).StatusCode);
            using var admin = Client(server, AdminKey);
            var teams = await Get(admin, "/api/v1/teams");
            Assert.Contains("\"pitr\"", teams);
            Assert.DoesNotContain("made-after-t", teams);
        }

        // Restoring the newest state (no --at) has phase B.
        string newest = Path.Combine(_work, "newest");
        (code, _, stderr) = await HeraldCli.RunSplitAsync(_work, WithKey, "backup", "restore", Archive, "--data-dir", newest);
        Assert.True(code == 0, stderr);

        // Times the archive cannot give, and requests that make no sense, are refused before anything is written.
        string elsewhere = Path.Combine(_work, "elsewhere");
        (code, _, stderr) = await HeraldCli.RunSplitAsync(_work, WithKey, "backup", "restore", Archive, "--data-dir", elsewhere, "--at", "2020-01-01T00:00:00Z");
        Assert.Equal(2, code);
        Assert.Contains("before the archive's oldest base", stderr);
        (code, _, stderr) = await HeraldCli.RunSplitAsync(_work, WithKey, "backup", "restore", Archive, "--data-dir", elsewhere, "--at", Iso(DateTimeOffset.UtcNow.AddHours(1)));
        Assert.Equal(2, code);
        Assert.Contains("after what the archive holds", stderr);
        (code, _, stderr) = await HeraldCli.RunSplitAsync(_work, WithKey, "backup", "restore", Archive, "--data-dir", elsewhere, "--at", "yesterday");
        Assert.Equal(2, code);
        Assert.Contains("--at", stderr);
        Assert.False(Directory.Exists(elsewhere) && Directory.EnumerateFileSystemEntries(elsewhere).Any());

        // A damaged segment is named.
        string generation = Directory.EnumerateDirectories(Archive).Single();
        string segment = Path.Combine(generation, "0000000001.seg");
        var bytes = await File.ReadAllBytesAsync(segment);
        bytes[bytes.Length / 2] ^= 0x10;
        await File.WriteAllBytesAsync(segment, bytes);
        (code, _, stderr) = await HeraldCli.RunSplitAsync(_work, WithKey, "backup", "restore", Archive, "--data-dir", elsewhere, "--at", Iso(t));
        Assert.Equal(1, code);
        Assert.Contains("0000000001.seg", stderr);
        Assert.Contains("damaged", stderr);
    }

    [Fact]
    public async Task After_a_kill_mid_ingest_and_a_restart_a_restore_to_a_later_time_is_consistent()
    {
        string dataDir = Path.Combine(_work, "live");
        string key;
        using (var first = await HeraldProcess.StartAsync(dataDir, AdminKey, Archiving()))
        {
            using var admin = Client(first, AdminKey);
            var teamId = (await HeraldServer.ReadData(await admin.PostAsJsonAsync("/api/v1/teams", new { name = "kill" })))["id"]!.GetValue<string>();
            key = await CreateKey(admin, teamId, "k");
            using var client = Client(first, key);
            using var stop = new CancellationTokenSource();
            int sent = 0;
            var ingesting = Task.Run(async () =>
            {
                try
                {
                    while (!stop.IsCancellationRequested)
                    {
                        int n = Interlocked.Add(ref sent, 40) - 40;
                        await client.PostAsync("/api/v1/events", HeraldServer.Json(Enumerable.Range(n, 40).Select(i => Kit.Event($"k-{i}", "delivered", Kit.At(i % 300))).ToArray()));
                    }
                }
                catch (HttpRequestException)
                {
                    // the kill
                }
            });
            await Task.Delay(1500);
            first.Kill();
            await stop.CancelAsync();
            await ingesting;
        }

        string summaryAtT;
        DateTimeOffset t;
        using (var second = await HeraldProcess.StartAsync(dataDir, AdminKey, Archiving()))
        {
            using var client = Client(second, key);
            await Kit.Ingest(client, Enumerable.Range(0, 100).Select(i => Kit.Event($"c-{i}", "failed", Kit.At(i))).ToArray());
            summaryAtT = await Get(client, $"/api/v1/metrics/summary?{Kit.DayWindow}");
            t = await CaughtUp(DateTimeOffset.UtcNow);
            await Task.Delay(20);
            await Kit.Ingest(client, Enumerable.Range(0, 100).Select(i => Kit.Event($"d-{i}", "failed", Kit.At(i))).ToArray());
            await CaughtUp(DateTimeOffset.UtcNow);
            second.Kill();
        }
        Assert.Equal(2, Directory.EnumerateDirectories(Archive).Count());

        string restored = Path.Combine(_work, "restored");
        var (code, _, stderr) = await HeraldCli.RunSplitAsync(_work, WithKey, "backup", "restore", Archive, "--data-dir", restored, "--at", Iso(t));
        Assert.True(code == 0, stderr); // restore itself refuses a database that fails PRAGMA integrity_check
        CarryMasterKey(dataDir, restored);
        using var server = await HeraldProcess.StartAsync(restored, AdminKey);
        using var restoredClient = Client(server, key);
        Assert.Equal(summaryAtT, await Get(restoredClient, $"/api/v1/metrics/summary?{Kit.DayWindow}"));
    }

    /// <summary>Waits until the newest generation's head says every commit before <paramref name="since"/> is archived; answers the time after that.</summary>
    private async Task<DateTimeOffset> CaughtUp(DateTimeOffset since)
    {
        for (int i = 0; i < 100; i++)
        {
            var generation = Directory.Exists(Archive) ? Directory.EnumerateDirectories(Archive).Order(StringComparer.Ordinal).LastOrDefault() : null;
            string? head = generation is null ? null : Path.Combine(generation, "head.json");
            if (head is not null && File.Exists(head))
            {
                try
                {
                    using var json = JsonDocument.Parse(await File.ReadAllTextAsync(head));
                    if (DateTimeOffset.Parse(json.RootElement.GetProperty("complete_through").GetString()!, System.Globalization.CultureInfo.InvariantCulture) > since)
                        return DateTimeOffset.UtcNow;
                }
                catch (Exception e) when (e is IOException or JsonException)
                {
                    // being replaced
                }
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("the WAL archive did not catch up within 10 s");
    }

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<string> CreateKey(HttpClient admin, string teamId, string name)
    {
        var created = await admin.PostAsJsonAsync("/api/v1/keys", new { team_id = teamId, name, scopes = new[] { "events:write", "metrics:read" } });
        return (await HeraldServer.ReadData(created))["key"]!.GetValue<string>();
    }

    private static HttpClient Client(HeraldProcess p, string key)
    {
        var c = new HttpClient { BaseAddress = p.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        c.DefaultRequestHeaders.Add("X-API-Key", key);
        return c;
    }

    private static async Task<string> Get(HttpClient c, string url)
    {
        var r = await c.GetAsync(url);
        Assert.True(r.IsSuccessStatusCode, $"{url}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
        return await r.Content.ReadAsStringAsync();
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_work)) Directory.Delete(_work, recursive: true);
    }

    /// <summary>Backups never hold the encryption-at-rest master key: an operator brings it to the restored directory, as here.</summary>
    private static void CarryMasterKey(string from, string to)
    {
        Directory.CreateDirectory(Path.Combine(to, "keys"));
        File.Copy(Path.Combine(from, "keys", "master.key"), Path.Combine(to, "keys", "master.key"));
    }
}
