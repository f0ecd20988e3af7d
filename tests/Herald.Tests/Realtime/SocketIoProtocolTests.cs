using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Tests.Api;
using Herald.Tests.Support;

namespace Herald.Tests.Realtime;

/// <summary>
/// The Engine.IO v4 / Socket.IO v5 wire, spoken by hand over real HTTP and WebSockets: the handshake packet, request
/// checks, heartbeats and their timeouts, the bounds (payload, sessions, a slow reader's buffer), namespaces and acks.
/// </summary>
public sealed class SocketIoProtocolTests(SocketIoServer sio) : IClassFixture<SocketIoServer>
{
    private const char Separator = '\u001e';

    private static string Path(string query) => $"/socket.io/?EIO=4&transport=polling{query}";

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(HttpClient http, string query)
    {
        var response = await http.GetAsync(Path(query));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<HttpStatusCode> PostAsync(HttpClient http, string sid, string payload)
    {
        var response = await http.PostAsync(Path($"&sid={sid}"), new StringContent(payload, Encoding.UTF8, "text/plain"));
        return response.StatusCode;
    }

    /// <summary>Opens a long-polling session and answers its sid and handshake.</summary>
    private static async Task<(string Sid, JsonObject Open)> HandshakeAsync(HttpClient http)
    {
        var (status, body) = await GetAsync(http, "");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("0", body);
        var open = JsonNode.Parse(body[1..])!.AsObject();
        return ((string)open["sid"]!, open);
    }

    private Uri WebSocketUri(string query = "") => new($"ws://{sio.Server.BaseAddress.Authority}/socket.io/?EIO=4&transport=websocket{query}");

    private static async Task<string?> ReceiveTextAsync(ClientWebSocket socket, double seconds = 10)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var buffer = new byte[64 * 1024];
        var text = new StringBuilder();
        WebSocketReceiveResult r;
        do
        {
            r = await socket.ReceiveAsync(buffer, timeout.Token);
            if (r.MessageType == WebSocketMessageType.Close) return null;
            text.Append(Encoding.UTF8.GetString(buffer, 0, r.Count));
        }
        while (!r.EndOfMessage);
        return text.ToString();
    }

    /// <summary>The next packet that is not a ping (answering pings keeps the session alive).</summary>
    private static async Task<string?> NextPacketAsync(ClientWebSocket socket)
    {
        while (await ReceiveTextAsync(socket) is { } text)
        {
            if (text != "2") return text;
            await SendTextAsync(socket, "3");
        }
        return null;
    }

    private static Task SendTextAsync(ClientWebSocket socket, string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    [Fact]
    public async Task The_handshake_names_the_session_its_upgrades_heartbeat_and_max_payload()
    {
        using var http = sio.Server.Client(null);
        var (sid, open) = await HandshakeAsync(http);
        Assert.Equal(["maxPayload", "pingInterval", "pingTimeout", "sid", "upgrades"], open.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(20, sid.Length);
        Assert.Equal(["websocket"], open["upgrades"]!.AsArray().Select(u => (string)u!));
        Assert.Equal(SocketIoServer.PingIntervalMs, (int)open["pingInterval"]!);
        Assert.Equal(SocketIoServer.PingTimeoutMs, (int)open["pingTimeout"]!);
        Assert.Equal(SocketIoServer.MaxPayloadBytes, (int)open["maxPayload"]!);

        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(WebSocketUri(), CancellationToken.None);
        var wsOpen = JsonNode.Parse((await ReceiveTextAsync(socket))![1..])!;
        Assert.Empty(wsOpen["upgrades"]!.AsArray());
        Assert.NotEqual(sid, (string)wsOpen["sid"]!);
    }

    [Fact]
    public async Task Requests_outside_the_protocol_are_400s_naming_what_is_wrong()
    {
        using var http = sio.Server.Client(null);
        await Kit.AssertError(await http.GetAsync("/socket.io/?transport=polling"), HttpStatusCode.BadRequest, "EIO");
        await Kit.AssertError(await http.GetAsync("/socket.io/?EIO=3&transport=polling"), HttpStatusCode.BadRequest, "EIO");
        await Kit.AssertError(await http.GetAsync("/socket.io/?EIO=4&transport=flash"), HttpStatusCode.BadRequest, "transport");
        await Kit.AssertError(await http.GetAsync("/socket.io/?EIO=4&transport=websocket"), HttpStatusCode.BadRequest, "transport");
        await Kit.AssertError(await http.PutAsync(Path(""), new StringContent("")), HttpStatusCode.BadRequest, "method");
        await Kit.AssertError(await http.PostAsync(Path(""), new StringContent("40")), HttpStatusCode.BadRequest, "sid");
        await Kit.AssertError(await http.GetAsync(Path("&sid=nosuchsession")), HttpStatusCode.BadRequest, "sid");

        var (sid, _) = await HandshakeAsync(http);
        await Kit.AssertError(await http.PostAsync(Path($"&sid={sid}"), new StringContent("9nonsense")), HttpStatusCode.BadRequest, "body");
        Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync(http, $"&sid={sid}")).Status); // the session was closed
    }

    [Fact]
    public async Task A_session_that_answers_pings_lives_and_one_that_does_not_is_closed_after_the_ping_timeout()
    {
        using var http = sio.Server.Client(null);
        // Both connect a namespace, so the connect timeout cannot be what ends either.
        var (alive, _) = await HandshakeAsync(http);
        var (silent, _) = await HandshakeAsync(http);
        foreach (var sid in new[] { alive, silent })
        {
            Assert.Equal(HttpStatusCode.OK, await PostAsync(http, sid, $$"""40{"key":"{{HeraldServer.AdminKey}}"}"""));
            Assert.StartsWith("40{", (await GetAsync(http, $"&sid={sid}")).Body);
        }

        var until = DateTime.UtcNow.AddMilliseconds(SocketIoServer.PingIntervalMs + SocketIoServer.PingTimeoutMs + 1500);
        int pongs = 0;
        while (DateTime.UtcNow < until)
        {
            var (status, body) = await GetAsync(http, $"&sid={alive}");
            Assert.Equal(HttpStatusCode.OK, status);
            if (body.Split(Separator).Contains("2"))
            {
                Assert.Equal(HttpStatusCode.OK, await PostAsync(http, alive, "3"));
                pongs++;
            }
        }
        Assert.True(pongs >= 5, $"only {pongs} ping rounds");
        Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync(http, $"&sid={silent}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(http, $"&sid={alive}")).Status);
        Assert.Equal(HttpStatusCode.OK, await PostAsync(http, alive, "1"));
    }

    [Fact]
    public async Task A_websocket_that_does_not_pong_is_closed_and_one_that_sends_more_than_max_payload_is_closed_as_too_big()
    {
        using (var silent = new ClientWebSocket())
        {
            await silent.ConnectAsync(WebSocketUri(), CancellationToken.None);
            Assert.StartsWith("0", await ReceiveTextAsync(silent));
            await SendTextAsync(silent, $$"""40{"key":"{{HeraldServer.AdminKey}}"}""");
            var opened = DateTime.UtcNow;
            var packets = new List<string>();
            while (await ReceiveTextAsync(silent) is { } packet) packets.Add(packet);
            Assert.Contains("2", packets);
            Assert.InRange((DateTime.UtcNow - opened).TotalMilliseconds, SocketIoServer.PingIntervalMs + SocketIoServer.PingTimeoutMs - 100,
                SocketIoServer.PingIntervalMs + SocketIoServer.PingTimeoutMs + 4000);
        }

        using var large = new ClientWebSocket();
        await large.ConnectAsync(WebSocketUri(), CancellationToken.None);
        Assert.StartsWith("0", await ReceiveTextAsync(large));
        await SendTextAsync(large, "4" + new string('x', SocketIoServer.MaxPayloadBytes + 1));
        Assert.Null(await NextPacketAsync(large));
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, large.CloseStatus);

        using var http = sio.Server.Client(null);
        var (sid, _) = await HandshakeAsync(http);
        var tooLarge = await http.PostAsync(Path($"&sid={sid}"), new StringContent("4" + new string('x', SocketIoServer.MaxPayloadBytes + 1)));
        await Kit.AssertError(tooLarge, HttpStatusCode.RequestEntityTooLarge, "body");
    }

    [Fact]
    public async Task The_polling_upgrade_answers_the_probe_ends_the_pending_poll_with_noop_and_moves_the_session()
    {
        using var http = sio.Server.Client(null);
        var (sid, _) = await HandshakeAsync(http);
        Assert.Equal(HttpStatusCode.OK, await PostAsync(http, sid, $$"""40{"key":"{{HeraldServer.AdminKey}}"}"""));
        var (_, connected) = await GetAsync(http, $"&sid={sid}");
        Assert.StartsWith("40{\"sid\":", connected);

        var pending = GetAsync(http, $"&sid={sid}");
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(WebSocketUri($"&sid={sid}"), CancellationToken.None);
        await SendTextAsync(socket, "2probe");
        Assert.Equal("3probe", await ReceiveTextAsync(socket));
        // The pending poll ends (with noop, unless a frame or ping was due before the probe), and polls now get noop.
        var ended = await pending;
        Assert.Equal(HttpStatusCode.OK, ended.Status);
        if (ended.Body.Split(Separator).Contains("2")) Assert.Equal(HttpStatusCode.OK, await PostAsync(http, sid, "3"));
        Assert.Equal((HttpStatusCode.OK, "6"), await GetAsync(http, $"&sid={sid}"));
        await SendTextAsync(socket, "5");

        var frame = await NextPacketAsync(socket);
        Assert.StartsWith("42[\"metrics:realtime\",{", frame);
        Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync(http, $"&sid={sid}")).Status);

        // One WebSocket per session: a second is closed at once.
        using var second = new ClientWebSocket();
        await second.ConnectAsync(WebSocketUri($"&sid={sid}"), CancellationToken.None);
        Assert.Null(await ReceiveTextAsync(second));
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, second.CloseStatus);
    }

    [Fact]
    public async Task Socket_io_packets_other_namespaces_acks_and_a_first_packet_that_is_not_connect()
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(WebSocketUri(), CancellationToken.None);
        await ReceiveTextAsync(socket);
        await SendTextAsync(socket, "40/admin,");
        Assert.Equal("""44/admin,{"message":"Invalid namespace"}""", await NextPacketAsync(socket));
        await SendTextAsync(socket, $$"""40{"key":"{{HeraldServer.AdminKey}}"}""");
        Assert.Matches("""^40\{"sid":"[A-Za-z0-9_-]{20}"\}$""", await NextPacketAsync(socket));
        await SendTextAsync(socket, """42456["hello",1]""");
        string? ack;
        do ack = await NextPacketAsync(socket);
        while (ack is not null && ack.StartsWith("42", StringComparison.Ordinal));
        Assert.Equal("43456[]", ack);
        await SendTextAsync(socket, "41");
        await SendTextAsync(socket, "1");
        while (await NextPacketAsync(socket) is { } late) Assert.StartsWith("42", late); // frames queued before the DISCONNECT
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);

        using var rude = new ClientWebSocket();
        await rude.ConnectAsync(WebSocketUri(), CancellationToken.None);
        await ReceiveTextAsync(rude);
        await SendTextAsync(rude, """42["hello"]""");
        Assert.Null(await NextPacketAsync(rude));
        Assert.Equal(WebSocketCloseStatus.ProtocolError, rude.CloseStatus);
    }

    [Fact]
    public async Task Anonymous_sessions_are_capped_and_expire_and_a_slow_reader_is_dropped_when_its_buffer_fills()
    {
        await using var server = await HeraldServer.StartAsync(new()
        {
            ["Herald:SocketIo:MaxSessions"] = "4",
            ["Herald:SocketIo:MaxSessionsAwaitingConnect"] = "2",
            ["Herald:SocketIo:ConnectTimeoutMs"] = "1500",
            ["Herald:SocketIo:PingIntervalMs"] = "60000",
            ["Herald:SocketIo:MaxBufferedBytes"] = "1000",
        });
        using var http = server.Client(null);

        var anonymous = new[] { (await HandshakeAsync(http)).Sid, (await HandshakeAsync(http)).Sid };
        await Kit.AssertError(await http.GetAsync(Path("")), HttpStatusCode.ServiceUnavailable, code: "too_many_sessions");
        await Task.Delay(2500);
        foreach (var sid in anonymous) Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync(http, $"&sid={sid}")).Status);

        // Two connected readers: one polls, one stops reading; a ~400-byte frame every second fills 1000 bytes in three.
        var (reader, _) = await HandshakeAsync(http);
        var (sleeper, _) = await HandshakeAsync(http);
        foreach (var sid in new[] { reader, sleeper })
        {
            Assert.Equal(HttpStatusCode.OK, await PostAsync(http, sid, $$"""40{"key":"{{HeraldServer.AdminKey}}"}"""));
            Assert.StartsWith("40{", (await GetAsync(http, $"&sid={sid}")).Body);
        }
        // Connected sessions do not count against the anonymous cap; the total cap still holds.
        var (third, _) = await HandshakeAsync(http);
        var (fourth, _) = await HandshakeAsync(http);
        await Kit.AssertError(await http.GetAsync(Path("")), HttpStatusCode.ServiceUnavailable, code: "too_many_sessions");
        Assert.Equal(HttpStatusCode.OK, await PostAsync(http, third, "1"));
        Assert.Equal(HttpStatusCode.OK, await PostAsync(http, fourth, "1"));

        int frames = 0;
        var until = DateTime.UtcNow.AddSeconds(6);
        while (DateTime.UtcNow < until)
        {
            var (status, body) = await GetAsync(http, $"&sid={reader}");
            Assert.Equal(HttpStatusCode.OK, status);
            frames += body.Split(Separator).Count(p => p.StartsWith("42[\"metrics:realtime\"", StringComparison.Ordinal));
        }
        Assert.True(frames >= 4, $"the polling reader got {frames} frames in 6 s");
        Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync(http, $"&sid={sleeper}")).Status);
    }
}
