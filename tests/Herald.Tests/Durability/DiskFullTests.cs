using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Herald.Tests.Api;
using Herald.Tests.Support;

namespace Herald.Tests.Durability;

/// <summary>
/// A full disk: Herald's data directory on a small tmpfs. Ingest is refused with 503 <c>store_unavailable</c> once the disk
/// is full (never a 500, never a 202 for events that were not stored); every event acknowledged before stays counted, through
/// a kill -9 too; and once space is freed ingest works again without a restart.
/// </summary>
public sealed class DiskFullTests
{
    private const string AdminKey = "hk_disk_full_admin";

    [Fact]
    public async Task A_full_disk_refuses_ingest_with_503_loses_nothing_acknowledged_and_recovers_when_space_is_freed()
    {
        string dir = Path.Combine(Path.GetTempPath(), "herald-disk-full", Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(dir);
        // Roomy enough for the health check to let the server start (unhealthy under 100 MB free), then shrunk to fill fast.
        Run("mount", "-t", "tmpfs", "-o", "size=160m", "tmpfs", dir);
        try
        {
            var settings = new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Warning" };
            string key;
            long acknowledged = 0;
            var rnd = new Random(11);
            string Filler() => new(Enumerable.Range(0, 700).Select(_ => (char)('a' + rnd.Next(26))).ToArray());
            int next = 0;
            JsonArray Batch(int size)
            {
                var events = new JsonArray();
                for (int i = 0; i < size; i++, next++)
                    events.Add(new JsonObject
                    {
                        ["event_id"] = $"e-{next}", ["item_id"] = $"full-{next}", ["status"] = next % 5 == 0 ? "failed" : "delivered",
                        ["occurred_at"] = Kit.At(next % 1400), ["channel"] = "sms", ["provider"] = "twilio", ["text"] = Filler(),
                    });
                return events;
            }

            using (var first = await HeraldProcess.StartAsync(dir, AdminKey, settings))
            {
                using var admin = Client(first, AdminKey);
                var team = await HeraldServer.ReadData(await admin.PostAsync("/api/v1/teams", HeraldServer.Json(new { name = "disk-full" })));
                key = (await HeraldServer.ReadData(await admin.PostAsync("/api/v1/keys", HeraldServer.Json(new
                {
                    team_id = team["id"]!.GetValue<string>(), name = "k", scopes = new[] { "events:write", "metrics:read" },
                }))))["key"]!.GetValue<string>();
                using var client = Client(first, key);
                Run("mount", "-o", "remount,size=24m", dir);

                HttpResponseMessage? refused = null;
                for (int batch = 0; batch < 2000 && refused is null; batch++)
                {
                    var response = await client.PostAsync("/api/v1/events", HeraldServer.Json(Batch(100)));
                    if (response.StatusCode == HttpStatusCode.Accepted)
                        acknowledged += (await HeraldServer.ReadData(response))["accepted"]!.GetValue<long>();
                    else refused = response;
                }
                Assert.NotNull(refused);
                string body = await refused.Content.ReadAsStringAsync();
                Assert.True(refused.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)refused.StatusCode}: {body}");
                Assert.Equal("store_unavailable", JsonNode.Parse(body)!["error"]!["code"]!.GetValue<string>());
                Assert.NotNull(refused.Headers.RetryAfter);
                Assert.True(acknowledged > 1000, $"only {acknowledged} events fit before the disk was full");

                // Still full: refused again; the server still answers reads, and its health says why.
                Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.PostAsync("/api/v1/events", HeraldServer.Json(Batch(100)))).StatusCode);
                Assert.True((await client.GetAsync($"/api/v1/metrics/summary?{Kit.DayWindow}")).IsSuccessStatusCode);
                var health = await client.GetAsync("/healthz");
                Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
                Assert.Contains("free for the data directory", await health.Content.ReadAsStringAsync());

                // Space freed: ingest works again, without a restart.
                Run("mount", "-o", "remount,size=256m", dir);
                var deadline = Stopwatch.StartNew();
                HttpResponseMessage resumed;
                do
                {
                    resumed = await client.PostAsync("/api/v1/events", HeraldServer.Json(Batch(100)));
                    if (resumed.StatusCode != HttpStatusCode.Accepted) await Task.Delay(500);
                } while (resumed.StatusCode != HttpStatusCode.Accepted && deadline.Elapsed < TimeSpan.FromSeconds(30));
                Assert.Equal(HttpStatusCode.Accepted, resumed.StatusCode);
                acknowledged += (await HeraldServer.ReadData(resumed))["accepted"]!.GetValue<long>();
                await WaitForTotal(client, acknowledged);
                first.Kill();
            }

            using (var second = await HeraldProcess.StartAsync(dir, AdminKey, settings))
            {
                using var client = Client(second, key);
                await WaitForTotal(client, acknowledged);
                Assert.True((await client.GetAsync("/healthz")).IsSuccessStatusCode);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Run("umount", "-l", dir);
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Polls the day's summary until its item total is the acknowledged count (the flush is once a second), and asserts it is.</summary>
    private static async Task WaitForTotal(HttpClient client, long expected)
    {
        long total = -1;
        for (int i = 0; i < 40 && total != expected; i++)
        {
            if (i > 0) await Task.Delay(250);
            total = (await HeraldServer.ReadData(await client.GetAsync($"/api/v1/metrics/summary?{Kit.DayWindow}")))["total"]!.GetValue<long>();
        }
        Assert.Equal(expected, total);
    }

    private static void Run(string command, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(command, args) { RedirectStandardError = true, UseShellExecute = false })!;
        string errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{command} {string.Join(' ', args)} failed: {errors}");
    }

    private static HttpClient Client(HeraldProcess p, string key)
    {
        var c = new HttpClient { BaseAddress = p.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        c.DefaultRequestHeaders.Add("X-API-Key", key);
        return c;
    }
}
