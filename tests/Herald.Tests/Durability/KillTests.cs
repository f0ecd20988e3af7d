using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Herald.Tests.Api;
using Herald.Tests.Support;

namespace Herald.Tests.Durability;

/// <summary>
/// Accepted data is never lost, even if the process is killed: a 202 means the raw events are committed,
/// and rollups and item states not yet folded into the store are rebuilt from them at the next start.
/// </summary>
public sealed class KillTests
{
    private const string AdminKey = "hk_kill_test_admin";

    /// <param name="provider">On PostgreSQL a 202 means the events' COPY committed; the restarted node replays past the checkpoint.</param>
    [Theory]
    [MemberData(nameof(TestStores.Providers), MemberType = typeof(TestStores))]
    public async Task A_killed_process_loses_no_accepted_event_and_counts_none_twice(string provider)
    {
        string dir = Path.Combine(Path.GetTempPath(), "herald-kill", Guid.NewGuid().ToString("n"));
        var store = TestStores.Environment(provider, "kill");
        // Never flush on time: everything accepted lives only as raw events plus memory when the kill comes.
        var noFlush = new Dictionary<string, string>(store) { ["Herald__Writer__FlushInterval"] = "01:00:00", ["Logging__LogLevel__Default"] = "Warning" };
        string key;
        string before, beforeBreakdown, beforeItem, beforeFailures;
        using (var first = await HeraldProcess.StartAsync(dir, AdminKey, noFlush))
        {
            using var admin = Client(first, AdminKey);
            var team = await HeraldServer.ReadData(await admin.PostAsJsonAsync("/api/v1/teams", new { name = "kill" }));
            var created = await admin.PostAsJsonAsync("/api/v1/keys", new { team_id = team["id"]!.GetValue<string>(), name = "k", scopes = new[] { "events:write", "metrics:read" } });
            key = (await HeraldServer.ReadData(created))["key"]!.GetValue<string>();
            using var client = Client(first, key);

            var rnd = new Random(5);
            for (int batch = 0; batch < 8; batch++)
            {
                var events = new List<object>();
                for (int i = 0; i < 50; i++)
                {
                    int n = batch * 50 + i;
                    events.Add(Kit.Event($"k-{n}", "sent", Kit.At(n % 600), eventId: $"s-{n}", provider: n % 3 == 0 ? "twilio" : "vonage", channel: "sms", recipient: "+447700900123"));
                    if (rnd.Next(3) > 0) events.Add(Kit.Event($"k-{n}", rnd.Next(4) == 0 ? "failed" : "delivered", Kit.At(n % 600 + 0.05 * (1 + rnd.Next(40))), eventId: $"d-{n}"));
                }
                var response = await client.PostAsync("/api/v1/events", HeraldServer.Json(events));
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            }
            before = await Get(client, $"/api/v1/metrics/summary?{Kit.DayWindow}");
            beforeBreakdown = await Get(client, $"/api/v1/metrics/breakdown?by=provider&{Kit.DayWindow}");
            beforeItem = await Get(client, "/api/v1/items/k-7");
            beforeFailures = await Get(client, $"/api/v1/failures?{Kit.DayWindow}&limit=100");
            Assert.DoesNotContain("\"total_failures\":0,", beforeFailures);
            Assert.Contains("\"total\":400", before);
            Assert.Contains("\"event_id\":\"s-7\"", beforeItem);
            first.Kill();
        }

        using (var second = await HeraldProcess.StartAsync(dir, AdminKey, store))
        {
            using var client = Client(second, key);
            Assert.Equal(before, await Get(client, $"/api/v1/metrics/summary?{Kit.DayWindow}"));
            Assert.Equal(beforeBreakdown, await Get(client, $"/api/v1/metrics/breakdown?by=provider&{Kit.DayWindow}"));
            Assert.Equal(Strip(beforeItem), Strip(await Get(client, "/api/v1/items/k-7")));
            // Failure cells were pending only: the replay counts each failing event once.
            Assert.Equal(beforeFailures, await Get(client, $"/api/v1/failures?{Kit.DayWindow}&limit=100"));

            // The recovered items take new events as if nothing happened; re-sent events are still duplicates.
            var again = await HeraldServer.ReadData(await client.PostAsync("/api/v1/events",
                HeraldServer.Json(new[] { Kit.Event("k-1", "sent", Kit.At(1), eventId: "s-1"), Kit.Event("k-1", "read", Kit.At(3), eventId: "r-1") })));
            Assert.Equal(1, again["accepted"]!.GetValue<int>());
            Assert.Equal(1, again["duplicates"]!.GetValue<int>());
            var item = await HeraldServer.ReadData(await client.GetAsync("/api/v1/items/k-1"));
            Assert.True("read" == item["status"]!.GetValue<string>(), item.ToJsonString());
            var summary = JsonNode.Parse(await Get(client, $"/api/v1/metrics/summary?{Kit.DayWindow}"))!["data"]!;
            Assert.Equal(400, summary["total"]!.GetValue<long>());
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(dir, recursive: true);
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
        Assert.True(r.IsSuccessStatusCode, url);
        return await r.Content.ReadAsStringAsync();
    }

    // received_at differs by design only if events were re-received; they are not, so the item compares whole.
    private static string Strip(string json) => json;
}
