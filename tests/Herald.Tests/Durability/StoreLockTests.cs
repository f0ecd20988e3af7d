using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Herald.Tests.Api;
using Herald.Tests.Support;

namespace Herald.Tests.Durability;

/// <summary>
/// The store held by another process: a second Herald on the same data directory is refused at start and names the first;
/// a foreign process holding SQLite's write lock makes ingest wait or answer 503 <c>store_unavailable</c> (never a 500, never
/// a 202 that was not stored), and ingest goes on once the lock is released, with every acknowledged event counted.
/// </summary>
public sealed class StoreLockTests
{
    private const string AdminKey = "hk_store_lock_admin";

    [Fact]
    public async Task A_second_server_on_the_directory_is_refused_and_a_foreign_write_lock_costs_no_acknowledged_event()
    {
        string dir = Path.Combine(Path.GetTempPath(), "herald-store-lock", Guid.NewGuid().ToString("n"));
        var settings = new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Warning" };
        using var first = await HeraldProcess.StartAsync(dir, AdminKey, settings);
        using var admin = Client(first, AdminKey);
        var team = await HeraldServer.ReadData(await admin.PostAsync("/api/v1/teams", HeraldServer.Json(new { name = "store-lock" })));
        string key = (await HeraldServer.ReadData(await admin.PostAsync("/api/v1/keys", HeraldServer.Json(new
        {
            team_id = team["id"]!.GetValue<string>(), name = "k", scopes = new[] { "events:write", "metrics:read" },
        }))))["key"]!.GetValue<string>();
        using var client = Client(first, key);

        // A second server on the same directory: refused, naming the first, and the first goes on.
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => HeraldProcess.StartAsync(dir, AdminKey, settings));
        Assert.Contains("is in use by process", refused.Message);
        Assert.True((await client.GetAsync("/healthz")).IsSuccessStatusCode);

        // Another process takes SQLite's write lock for a while.
        using var holder = Process.Start(new ProcessStartInfo("python3",
        [
            "-c",
            "import sqlite3, sys, time\n" +
            "c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)\n" +
            "c.execute('BEGIN IMMEDIATE')\nprint('locked', flush=True)\ntime.sleep(float(sys.argv[2]))\nc.execute('ROLLBACK')\nprint('released', flush=True)\n",
            Path.Combine(dir, "herald.db"), "6",
        ]) { RedirectStandardOutput = true, UseShellExecute = false })!;
        Assert.Equal("locked", await holder.StandardOutput.ReadLineAsync());

        long acknowledged = 0;
        int next = 0, unavailable = 0;
        var statuses = new List<HttpStatusCode>();
        var locked = Stopwatch.StartNew();
        while (!holder.HasExited || locked.Elapsed < TimeSpan.FromSeconds(1))
        {
            var events = new JsonArray();
            for (int i = 0; i < 20; i++, next++)
                events.Add(new JsonObject { ["event_id"] = $"l-{next}", ["item_id"] = $"lock-{next}", ["status"] = "delivered", ["occurred_at"] = Kit.At(next % 1400) });
            var response = await client.PostAsync("/api/v1/events", HeraldServer.Json(events));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.Accepted) acknowledged += (await HeraldServer.ReadData(response))["accepted"]!.GetValue<long>();
            else
            {
                Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                Assert.Equal("store_unavailable", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["code"]!.GetValue<string>());
                unavailable++;
            }
            if (locked.Elapsed > TimeSpan.FromSeconds(60)) break;
        }
        Assert.Equal("released", await holder.StandardOutput.ReadLineAsync());
        await holder.WaitForExitAsync();

        // Released: ingest works, and the total is every acknowledged event, once.
        var after = await client.PostAsync("/api/v1/events", HeraldServer.Json(new[] { Kit.Event("after-lock", "delivered", Kit.At(5)) }));
        Assert.Equal(HttpStatusCode.Accepted, after.StatusCode);
        acknowledged += 1;
        long total = -1;
        for (int i = 0; i < 40 && total != acknowledged; i++)
        {
            if (i > 0) await Task.Delay(250);
            total = (await HeraldServer.ReadData(await client.GetAsync($"/api/v1/metrics/summary?{Kit.DayWindow}")))["total"]!.GetValue<long>();
        }
        Assert.True(acknowledged == total, $"acknowledged {acknowledged}, counted {total}; statuses while locked: {string.Join(",", statuses.Select(s => (int)s))}");
        first.Kill();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(dir, recursive: true);
    }

    private static HttpClient Client(HeraldProcess p, string key)
    {
        var c = new HttpClient { BaseAddress = p.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        c.DefaultRequestHeaders.Add("X-API-Key", key);
        return c;
    }
}
