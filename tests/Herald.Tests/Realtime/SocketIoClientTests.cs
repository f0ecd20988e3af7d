using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Herald.Tests.Api;
using Herald.Tests.Support;

namespace Herald.Tests.Realtime;

/// <summary>A real server whose Socket.IO heartbeat is quick, so every client test also lives through several ping/pong rounds.</summary>
public sealed class SocketIoServer : IAsyncLifetime
{
    public const int PingIntervalMs = 400, PingTimeoutMs = 3000, MaxPayloadBytes = 8192, ConnectTimeoutMs = 6000;
    private int _teams;

    public HeraldServer Server { get; private set; } = null!;

    public string Url => Server.BaseAddress.ToString().TrimEnd('/');

    public async Task InitializeAsync() => Server = await HeraldServer.StartAsync(new()
    {
        ["Herald:SocketIo:PingIntervalMs"] = PingIntervalMs.ToString(),
        ["Herald:SocketIo:PingTimeoutMs"] = PingTimeoutMs.ToString(),
        ["Herald:SocketIo:MaxPayloadBytes"] = MaxPayloadBytes.ToString(),
        ["Herald:SocketIo:ConnectTimeoutMs"] = ConnectTimeoutMs.ToString(),
    });

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>A fresh team, its id and a key (events:write and metrics:read unless other scopes are given).</summary>
    public async Task<(string TeamId, string Key, HttpClient Client)> NewTeamAsync(params string[] scopes)
    {
        var (teamId, key) = await Server.CreateTeamAsync($"sio-{Interlocked.Increment(ref _teams)}-{Guid.NewGuid():n}", scopes);
        return (teamId, key, Server.Client(key));
    }
}

/// <summary>
/// Seed 004's own subscription, <c>io(url).on('metrics:realtime', ...)</c>, with the real npm socket.io-client from node:
/// each transport, both ways of giving the key, refusals, team isolation, and figures equal to the HTTP real-time route.
/// </summary>
public sealed class SocketIoClientTests(SocketIoServer sio) : IClassFixture<SocketIoServer>
{
    private const string Route = "/api/v1/analytics/metrics/messages/realtime?window_seconds=300";

    /// <summary>The figures a frame and the HTTP answer must share (messages_per_second and the timestamp follow the clock).</summary>
    private static readonly string[] SharedFields =
    [
        "window_seconds", "total_messages", "messages_delivered", "messages_failed", "messages_pending", "delivery_rate_percent",
        "avg_delivery_time_seconds", "p95_delivery_time_seconds", "p99_delivery_time_seconds",
    ];

    private static async Task PostEventsAsync(HttpClient client, string prefix, int delivered, int failed)
    {
        var now = DateTimeOffset.UtcNow;
        var events = new List<object>();
        for (int i = 0; i < delivered + failed; i++)
        {
            string id = $"{prefix}-{i}";
            events.Add(Kit.Event(id, "sent", Kit.Format(now.AddSeconds(-30))));
            events.Add(Kit.Event(id, i < delivered ? "delivered" : "failed", Kit.Format(now.AddSeconds(-30 + 2 + i))));
        }
        await Kit.Ingest(client, events);
    }

    private static long Total(JsonObject frame) => frame["data"]!["total_messages"]!.GetValue<long>();

    private static async Task AssertMatchesHttpAsync(JsonObject frame, HttpClient client)
    {
        var http = await Kit.GetData(client, Route);
        var data = frame["data"]!.AsObject();
        Assert.Equal(http.AsObject().Select(p => p.Key).Order(), data.Select(p => p.Key).Order());
        foreach (var field in SharedFields)
            Assert.True(JsonNode.DeepEquals(http[field], data[field]), $"{field}: socket {data[field]?.ToJsonString()}, HTTP {http[field]?.ToJsonString()}");
    }

    [Fact]
    public async Task WebSocket_transport_with_the_key_header_streams_the_http_routes_figures_and_follows_new_events()
    {
        var (_, key, client) = await sio.NewTeamAsync();
        await PostEventsAsync(client, "ws", delivered: 4, failed: 1);

        await using var socket = await SocketIoNodeClient.StartAsync(sio.Url, new
        {
            transports = new[] { "websocket" },
            extraHeaders = new Dictionary<string, string> { ["X-API-Key"] = key },
            query = new { window_seconds = 300 },
        });
        var connected = await socket.NextAsync("connect");
        Assert.Equal("websocket", (string?)connected["transport"]);
        var first = await socket.NextAsync("metrics:realtime");
        Assert.Equal(5, Total(first));
        Assert.Equal(4, first["data"]!["messages_delivered"]!.GetValue<long>());
        await AssertMatchesHttpAsync(first, client);

        await PostEventsAsync(client, "ws-late", delivered: 2, failed: 0);
        var next = await socket.NextAsync("metrics:realtime", f => Total(f) == 7);
        await AssertMatchesHttpAsync(next, client);

        // Every second, and the session outlives several ping intervals: the client's pongs are heard.
        var later = await socket.NextAsync("metrics:realtime");
        await socket.NextAsync("metrics:realtime");
        Assert.True(DateTimeOffset.Parse((string)later["data"]!["timestamp"]!) > DateTimeOffset.Parse((string)next["data"]!["timestamp"]!));
        Assert.DoesNotContain(socket.Seen, e => (string?)e["event"] is "disconnect" or "connect_error");
        Assert.All(socket.Seen.Where(e => (string?)e["event"] == "metrics:realtime"), e => Assert.Equal("websocket", (string?)e["transport"]));
    }

    [Fact]
    public async Task Polling_only_transport_with_the_auth_payload_stays_on_long_polling_and_streams_the_figures()
    {
        var (_, key, client) = await sio.NewTeamAsync();
        await PostEventsAsync(client, "poll", delivered: 2, failed: 1);

        await using var socket = await SocketIoNodeClient.StartAsync(sio.Url, new
        {
            transports = new[] { "polling" },
            auth = new { key, window_seconds = 300 },
        });
        Assert.Equal("polling", (string?)(await socket.NextAsync("connect"))["transport"]);
        var first = await socket.NextAsync("metrics:realtime");
        Assert.Equal(3, Total(first));
        await AssertMatchesHttpAsync(first, client);

        await PostEventsAsync(client, "poll-late", delivered: 1, failed: 1);
        var next = await socket.NextAsync("metrics:realtime", f => Total(f) == 5);
        await AssertMatchesHttpAsync(next, client);
        await socket.NextAsync("metrics:realtime");
        await socket.NextAsync("metrics:realtime");

        Assert.All(socket.Seen.Where(e => (string?)e["event"] == "metrics:realtime"), e => Assert.Equal("polling", (string?)e["transport"]));
        Assert.DoesNotContain(socket.Seen, e => (string?)e["event"] is "upgrade" or "disconnect" or "connect_error");
    }

    [Fact]
    public async Task The_default_client_opens_on_long_polling_and_upgrades_to_websocket()
    {
        var (_, key, client) = await sio.NewTeamAsync();
        await PostEventsAsync(client, "up", delivered: 3, failed: 0);

        // The seed's call, io(url), plus its key: the client starts on long-polling and probes the WebSocket.
        await using var socket = await SocketIoNodeClient.StartAsync(sio.Url, new
        {
            extraHeaders = new Dictionary<string, string> { ["X-API-Key"] = key },
            query = new { window_seconds = 300 },
        });
        // Only a polling session upgrades; its CONNECT may be answered before or after the upgrade.
        Assert.Equal("websocket", (string?)(await socket.NextAsync("upgrade"))["transport"]);
        var frame = await socket.NextAsync("metrics:realtime", f => (string?)f["transport"] == "websocket");
        Assert.Contains(socket.Seen, e => (string?)e["event"] == "connect");
        Assert.Equal(3, Total(frame));
        await AssertMatchesHttpAsync(frame, client);
        await socket.NextAsync("metrics:realtime");
        Assert.DoesNotContain(socket.Seen, e => (string?)e["event"] is "disconnect" or "connect_error");
    }

    [Fact]
    public async Task Bad_missing_or_underscoped_keys_and_other_namespaces_get_connect_error_and_no_figures()
    {
        var (_, writeOnlyKey, _) = await sio.NewTeamAsync("events:write");
        var cases = new (string Url, object Options, string Message, string? Code)[]
        {
            (sio.Url, new { auth = new { key = "hk_not_a_key" } }, "the API key is unknown, revoked or expired", "unauthorized"),
            (sio.Url, new { transports = new[] { "websocket" }, extraHeaders = new Dictionary<string, string> { ["X-API-Key"] = "hk_wrong" } },
                "the API key is unknown, revoked or expired", "unauthorized"),
            (sio.Url, new { }, "an API key is required: send the X-API-Key header, or connect with auth: { key }", "unauthorized"),
            (sio.Url, new { auth = new { key = writeOnlyKey } }, "this key lacks the 'metrics:read' scope", "forbidden"),
            (sio.Url, new { auth = new { key = HeraldServer.AdminKey, window_seconds = 0 } }, "window_seconds: must be a whole number from 1 to 3600", "invalid_parameter"),
            (sio.Url + "/admin", new { auth = new { key = HeraldServer.AdminKey } }, "Invalid namespace", null),
        };
        foreach (var (url, options, message, code) in cases)
        {
            await using var socket = await SocketIoNodeClient.StartAsync(url, options);
            var error = await socket.NextAsync("connect_error");
            Assert.Equal(message, (string?)error["message"]);
            Assert.Equal(code, (string?)error["data"]?["code"]);
            await Task.Delay(1200); // a second's emission would have reached it
            Assert.DoesNotContain(socket.Seen, e => (string?)e["event"] is "connect" or "metrics:realtime");
        }
    }

    [Fact]
    public async Task A_teams_socket_sees_only_its_own_figures_and_an_admin_sees_the_team_it_names()
    {
        var (teamA, keyA, clientA) = await sio.NewTeamAsync();
        var (teamB, keyB, clientB) = await sio.NewTeamAsync();
        await PostEventsAsync(clientA, "a", delivered: 2, failed: 0);
        await PostEventsAsync(clientB, "b", delivered: 5, failed: 4);

        await using var a = await SocketIoNodeClient.StartAsync(sio.Url, new { auth = new { key = keyA, window_seconds = 300 } });
        await using var b = await SocketIoNodeClient.StartAsync(sio.Url, new { auth = new { key = keyB, window_seconds = 300 } });
        await using var admin = await SocketIoNodeClient.StartAsync(sio.Url, new { auth = new { key = HeraldServer.AdminKey, team = teamA, window_seconds = 300 } });
        await using var trespasser = await SocketIoNodeClient.StartAsync(sio.Url, new { auth = new { key = keyA, team = teamB } });

        Assert.Equal(9, Total(await b.NextAsync("metrics:realtime")));
        Assert.Equal(2, Total(await a.NextAsync("metrics:realtime")));
        Assert.Equal(2, Total(await admin.NextAsync("metrics:realtime")));
        var refused = await trespasser.NextAsync("connect_error");
        Assert.Equal("this key cannot see that team", (string?)refused["message"]);

        // B grows; A's and the admin's figures stay A's across the following seconds.
        await PostEventsAsync(clientB, "b-late", delivered: 3, failed: 0);
        var bLater = await b.NextAsync("metrics:realtime", f => Total(f) == 12);
        await AssertMatchesHttpAsync(bLater, clientB);
        var aLater = await a.NextAsync("metrics:realtime", f => f["data"]!["timestamp"]!.GetValue<string>().CompareTo(bLater["data"]!["timestamp"]!.GetValue<string>()) > 0);
        await AssertMatchesHttpAsync(aLater, clientA);
        await admin.NextAsync("metrics:realtime", f => f["data"]!["timestamp"]!.GetValue<string>().CompareTo(bLater["data"]!["timestamp"]!.GetValue<string>()) > 0);
        foreach (var socket in new[] { a, admin })
            Assert.All(socket.Seen.Where(e => (string?)e["event"] == "metrics:realtime"), e => Assert.Equal(2, Total(e)));
        Assert.DoesNotContain(trespasser.Seen, e => (string?)e["event"] == "metrics:realtime");
    }

    [Fact]
    public async Task Revoking_the_key_disconnects_its_socket()
    {
        var (teamId, _, _) = await sio.NewTeamAsync();
        var created = await sio.Server.Admin.PostAsJsonAsync("/api/v1/keys", new { team_id = teamId, name = "socket key", scopes = new[] { "metrics:read" } });
        var keyData = await HeraldServer.ReadData(created);
        await using var socket = await SocketIoNodeClient.StartAsync(sio.Url, new { auth = new { key = (string)keyData["key"]! } });
        await socket.NextAsync("metrics:realtime");

        var revoked = await sio.Server.Admin.DeleteAsync($"/api/v1/keys/{(string)keyData["id"]!}");
        Assert.True(revoked.IsSuccessStatusCode, await revoked.Content.ReadAsStringAsync());
        var disconnect = await socket.NextAsync("disconnect");
        Assert.Equal("io server disconnect", (string?)disconnect["reason"]);
    }
}
