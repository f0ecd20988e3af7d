using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Api;
using Herald.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Api;

/// <summary>
/// Raw bodies (events, provider callbacks) are read as their bytes come, up to <c>Herald:Ingest:MaxBodyBytes</c> each and
/// <c>Herald:Ingest:MaxBufferedBodyBytes</c> for all requests at once; nothing is reserved on a client's declared length.
/// </summary>
[Collection(SoloCollection.Name)]
public sealed class BodyLimitTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private const int SmallCap = 64 * 1024;

    private static Dictionary<string, string?> SmallLimits(int buffered) => new()
    {
        ["Herald:Ingest:MaxBodyBytes"] = SmallCap.ToString(),
        ["Herald:Ingest:MaxBufferedBodyBytes"] = buffered.ToString(),
    };

    /// <summary>A JSON array of events padded with white space to exactly <paramref name="length"/> bytes.</summary>
    private static byte[] Padded(int length, params string[] itemIds)
    {
        string events = string.Join(',', itemIds.Select(id => $$"""{"item_id":"{{id}}","status":"sent","occurred_at":"{{Kit.At(5)}}"}"""));
        return Encoding.UTF8.GetBytes("[" + events + new string(' ', length - events.Length - 2) + "]");
    }

    private static (string, string)[] Headers(string key, long contentLength) =>
        [("X-API-Key", key), ("Content-Type", "application/json"), ("Content-Length", contentLength.ToString())];

    [Fact]
    public async Task A_declared_length_over_the_cap_is_refused_before_the_body_is_read()
    {
        var created = await shared.Server.Admin.PostAsJsonAsync("/api/v1/teams", new { name = $"declared-{Guid.NewGuid():n}" });
        var team = await HeraldServer.ReadData(created);
        string key = await shared.Server.CreateKeyAsync(team["id"]!.GetValue<string>(), ["events:write", "metrics:read"]);
        foreach (string path in new[] { "/api/v1/events", $"/webhooks/email/{team["webhook_token"]!.GetValue<string>()}" })
        {
            // The issue's reproduction: a gigabyte declared, two bytes sent, and the client waits.
            await using var connection = await RawHttpConnection.OpenAsync(shared.Server.BaseAddress, "POST", path, Headers(key, 1_000_000_000));
            await connection.SendAsync("[]"u8.ToArray());
            var response = await connection.Response.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(413, response.Status);
            var error = JsonNode.Parse(response.Body)!["error"]!;
            Assert.Equal(("payload_too_large", "body"), (error["code"]!.GetValue<string>(), error["details"]![0]!["field"]!.GetValue<string>()));
            Assert.Contains("8388608 bytes", error["message"]!.GetValue<string>());
        }
        using var client = shared.Server.Client(key);
        Assert.Equal(0, Kit.Long(await Kit.GetData(client, "/api/v1/metrics/summary"), "total"));
    }

    [Fact]
    public async Task A_body_without_a_declared_length_is_cut_at_the_cap_and_one_at_the_cap_is_taken()
    {
        await using var server = await HeraldServer.StartAsync(SmallLimits(SmallCap));
        var (_, key) = await server.CreateTeamAsync("chunked");
        using var client = server.Client(key);
        foreach (int length in new[] { SmallCap + 1, 10 * SmallCap })
        {
            // A stream of unknown length goes out chunked: the server learns the size only by reading.
            var content = new StreamContent(new MemoryStream(Padded(length, "over")));
            content.Headers.ContentType = new("application/json");
            HttpResponseMessage response;
            try
            {
                response = await client.PostAsync("/api/v1/events", content);
            }
            catch (HttpRequestException) when (length > 2 * SmallCap)
            {
                // The server answers 413 and closes while a far larger body is still going out: a client may see the reset first.
                continue;
            }
            await Kit.AssertError(response, HttpStatusCode.RequestEntityTooLarge, field: "body", code: "payload_too_large");
        }
        Assert.Null(await Kit.Item(client, "over"));

        var atCap = new StreamContent(new MemoryStream(Padded(SmallCap, "at-cap")));
        atCap.Headers.ContentType = new("application/json");
        var taken = await client.PostAsync("/api/v1/events", atCap);
        Assert.Equal(HttpStatusCode.Accepted, taken.StatusCode);
        Assert.NotNull(await Kit.Item(client, "at-cap"));
        Assert.Equal(0, server.Services.GetRequiredService<RequestBodies>().HeldBytes);
    }


    [Fact]
    public async Task Past_a_teams_share_or_the_buffered_total_a_request_gets_503_before_its_body_is_read()
    {
        // Room for three chunks of 64 KB in all; a team's share is one body of the largest size (64 KB). The slow bodies
        // stall for as long as the test's steps take on a loaded machine: Kestrel's minimum data rate (a slowloris guard,
        // kept in production) would answer them 408 first.
        await using var server = await HeraldServer.StartAsync(SmallLimits(3 * SmallCap),
            configure: b => b.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(k => k.Limits.MinRequestBodyDataRate = null));
        var bodies = server.Services.GetRequiredService<RequestBodies>();
        var keys = new List<string>();
        for (int t = 0; t < 4; t++) keys.Add((await server.CreateTeamAsync($"budget-{t}")).Key);
        var clients = keys.Select(server.Client).ToList();
        var small = HeraldServer.Json(new[] { Kit.Event("fast", "sent", Kit.At(1)) });

        // A slow client declares the cap and sends a first few bytes: it holds one chunk, its team's whole share.
        async Task<(RawHttpConnection, byte[])> Slow(int team)
        {
            var body = Padded(SmallCap, $"slow-{team}");
            var connection = await RawHttpConnection.OpenAsync(server.BaseAddress, "POST", "/api/v1/events", Headers(keys[team], body.Length));
            await connection.SendAsync(body.AsMemory(0, 10));
            // Each earlier slow body holds one chunk; a fast request's chunk may still be on its way back to the pool.
            long expected = (team + 1L) * SmallCap;
            // Generous: on a loaded machine the server may take seconds to reach the body.
            for (int wait = 0; bodies.HeldBytes != expected && !connection.Response.IsCompleted && wait < 600; wait++) await Task.Delay(50);
            if (connection.Response.IsCompleted) Assert.Fail($"the slow body of team {team} was answered early: {(await connection.Response).Status} {(await connection.Response).Body}");
            Assert.Equal(expected, bodies.HeldBytes);
            return (connection, body);
        }

        var slow = new List<(RawHttpConnection Connection, byte[] Body)> { await Slow(0) };
        var refused = await clients[0].PostAsync("/api/v1/events", small);
        var error = await Kit.AssertError(refused, HttpStatusCode.ServiceUnavailable, code: "server_busy");
        Assert.Contains("65536 bytes for one team", error["message"]!.GetValue<string>());
        Assert.Equal("1", refused.Headers.RetryAfter!.ToString());
        // Another team is not turned away by the first one's bodies.
        Assert.Equal(1, Kit.Int(await Kit.Ingest(clients[1], new[] { Kit.Event("fast", "sent", Kit.At(1)) }), "accepted"));

        slow.Add(await Slow(1));
        slow.Add(await Slow(2));
        // All three chunks are held: a fourth team gets 503 too, before its body is read.
        await Kit.AssertError(await clients[3].PostAsync("/api/v1/events", small), HttpStatusCode.ServiceUnavailable, code: "server_busy");

        foreach (var (connection, body) in slow)
        {
            await connection.SendAsync(body.AsMemory(10));
            var answer = await connection.Response.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.True(answer.Status == 202, answer.Body);
            await connection.DisposeAsync();
        }
        Assert.Equal(0, bodies.HeldBytes);
        foreach (int t in new[] { 0, 3 })
        {
            Assert.Null(await Kit.Item(clients[t], "fast"));
            Assert.Equal(1, Kit.Int(await Kit.Ingest(clients[t], new[] { Kit.Event("fast", "sent", Kit.At(1)) }), "accepted"));
        }
        // Team 0: its slow body and the retry; 1: its first request and its slow body; 2: its slow body; 3: the retry.
        int[] stored = [2, 2, 1, 1];
        for (int t = 0; t < 4; t++) Assert.Equal(stored[t], Kit.Long(await Kit.Summary(clients[t]), "total"));
        foreach (var client in clients) client.Dispose();
    }

    [Fact]
    public async Task A_413_the_framework_gives_a_typed_body_carries_payload_too_large()
    {
        var (_, client) = await shared.NewTeamAsync("events:write");
        string key = client.DefaultRequestHeaders.GetValues("X-API-Key").Single();
        // Over Kestrel's own limit on request bodies (30 MB).
        await using var connection = await RawHttpConnection.OpenAsync(shared.Server.BaseAddress, "PUT", "/api/v1/compliance/settings", Headers(key, 40_000_000));
        await connection.SendAsync("{\"time_zone\":"u8.ToArray());
        var response = await connection.Response.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(413, response.Status);
        Assert.Equal("payload_too_large", JsonNode.Parse(response.Body)!["error"]!["code"]!.GetValue<string>());
    }
}
