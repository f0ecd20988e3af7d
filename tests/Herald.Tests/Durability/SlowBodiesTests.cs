using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Tests.Api;
using Herald.Tests.Support;

namespace Herald.Tests.Durability;

/// <summary>
/// Clients that declare the largest body and send it slowly cannot make Herald reserve memory on their word: the
/// process's resident memory stays bounded, another team's ingest goes on, and every answer tells the truth about what
/// was stored (202: stored and counted; 503: nothing stored).
/// </summary>
[Collection(SoloCollection.Name)]
public sealed class SlowBodiesTests
{
    private const string AdminKey = "hk_slow_bodies_admin";
    private const int Clients = 50;
    private const int MaxBody = 8 * 1024 * 1024;
    private const int EventsPerBody = 20;

    [Fact]
    public async Task Fifty_clients_declaring_the_maximum_and_trickling_keep_memory_bounded_and_every_answer_true()
    {
        string dir = Path.Combine(Path.GetTempPath(), "herald-slow-bodies", Guid.NewGuid().ToString("n"));
        using var herald = await HeraldProcess.StartAsync(dir, AdminKey, new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Warning" });
        using var admin = Client(herald, AdminKey);
        string slowKey = await TeamKey(admin, "slow"), steadyKey = await TeamKey(admin, "steady");
        using var slow = Client(herald, slowKey);
        using var steady = Client(herald, steadyKey);
        long acknowledged = 0;
        for (int n = 0; n < 5; n++) acknowledged += await Ingest(steady, $"warm-{n}");
        long baseline = herald.ResidentBytes();

        long peak = baseline;
        using var stopSampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stopSampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, herald.ResidentBytes());
                await Task.Delay(50);
            }
        });

        // Each client declares the maximum for a valid batch padded with white space to it, then trickles it from the moment
        // its connection is open: 512 bytes every 250 ms, above Kestrel's minimum data rate (240 bytes/s after 5 s).
        using var stopTrickling = new CancellationTokenSource();
        var opened = Enumerable.Range(0, Clients).Select(async c =>
        {
            byte[] body = Body(c);
            var connection = await RawHttpConnection.OpenAsync(herald.BaseAddress, "POST", "/api/v1/events",
                [("X-API-Key", slowKey), ("Content-Type", "application/json"), ("Content-Length", body.Length.ToString())]);
            return (Connection: connection, Body: body, Trickle: Trickle(connection, body, stopTrickling.Token));
        }).ToList();
        var clients = (await Task.WhenAll(opened)).ToList();

        // The other team ingests all along.
        using var stopSteady = new CancellationTokenSource();
        var steadyLoop = Task.Run(async () =>
        {
            for (int n = 0; !stopSteady.IsCancellationRequested; n++)
            {
                acknowledged += await Ingest(steady, $"during-{n}");
                await Task.Delay(100);
            }
        });
        await Task.Delay(TimeSpan.FromSeconds(5));
        stopTrickling.Cancel();
        var sent = await Task.WhenAll(clients.Select(c => c.Trickle));

        // Then every client sends the rest at once: together far more than Herald may hold.
        await Task.WhenAll(clients.Select((c, i) => c.Connection.SendAsync(c.Body.AsMemory(sent[i]))));
        var answers = await Task.WhenAll(clients.Select(c => c.Connection.Response.WaitAsync(TimeSpan.FromMinutes(2))));
        stopSteady.Cancel();
        await steadyLoop;
        stopSampling.Cancel();
        await sampler;
        foreach (var client in clients) await client.Connection.DisposeAsync();

        long storedSlow = 0;
        for (int c = 0; c < Clients; c++)
        {
            var answer = answers[c];
            if (answer.Status == 202)
            {
                Assert.Equal(EventsPerBody, JsonNode.Parse(answer.Body)!["data"]!["accepted"]!.GetValue<int>());
                storedSlow += EventsPerBody;
                Assert.NotNull(await Kit.Item(slow, $"slow-{c}-0"));
            }
            else
            {
                Assert.True(answer.Status == 503, $"client {c}: {answer.Status} {answer.Body}");
                Assert.Equal("server_busy", JsonNode.Parse(answer.Body)!["error"]!["code"]!.GetValue<string>());
                Assert.Null(await Kit.Item(slow, $"slow-{c}-0"));
            }
        }
        Assert.True(storedSlow > 0, "no slow client got through");
        Assert.Equal(storedSlow, Kit.Long(await Kit.GetData(slow, "/api/v1/metrics/summary"), "total"));
        Assert.Equal(acknowledged, Kit.Long(await Kit.GetData(steady, "/api/v1/metrics/summary"), "total"));
        // 50 bodies of 8 MB are 400 MB; Herald holds at most 32 MB of bodies at once.
        long grewMb = (peak - baseline) / (1024 * 1024);
        Assert.True(grewMb < 150, $"resident memory grew by {grewMb} MB (from {baseline / (1024 * 1024)} MB)");

        herald.Kill();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(dir, recursive: true);
    }

    /// <summary>Sends the body slowly until told to stop; answers how many bytes went.</summary>
    private static async Task<int> Trickle(RawHttpConnection connection, byte[] body, CancellationToken stop)
    {
        int sent = 0;
        while (!stop.IsCancellationRequested)
        {
            await connection.SendAsync(body.AsMemory(sent, 512));
            sent += 512;
            try
            {
                await Task.Delay(250, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }
        return sent;
    }

    private static byte[] Body(int client)
    {
        string at = Kit.Format(DateTimeOffset.UtcNow.AddMinutes(-1));
        string events = string.Join(',', Enumerable.Range(0, EventsPerBody).Select(i => $$"""{"item_id":"slow-{{client}}-{{i}}","status":"sent","occurred_at":"{{at}}"}"""));
        return Encoding.UTF8.GetBytes("[" + events + new string(' ', MaxBody - events.Length - 2) + "]");
    }

    private static async Task<long> Ingest(HttpClient client, string prefix)
    {
        var events = Enumerable.Range(0, 10).Select(i => Kit.Event($"{prefix}-{i}", "sent", Kit.Format(DateTimeOffset.UtcNow.AddMinutes(-1)))).ToArray();
        var response = await client.PostAsync("/api/v1/events", HeraldServer.Json(events));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"the other team got {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!["data"]!["accepted"]!.GetValue<long>();
    }

    private static async Task<string> TeamKey(HttpClient admin, string name)
    {
        var team = await HeraldServer.ReadData(await admin.PostAsJsonAsync("/api/v1/teams", new { name }));
        var created = await admin.PostAsJsonAsync("/api/v1/keys", new { team_id = team["id"]!.GetValue<string>(), name = "k", scopes = new[] { "events:write", "metrics:read" } });
        return (await HeraldServer.ReadData(created))["key"]!.GetValue<string>();
    }

    private static HttpClient Client(HeraldProcess p, string key)
    {
        var c = new HttpClient { BaseAddress = p.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        c.DefaultRequestHeaders.Add("X-API-Key", key);
        return c;
    }
}
