using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Tests.Api;

namespace Herald.Tests.Analytics;

/// <summary>Seed 004's real-time WebSocket over a real connection: the frames carry the REST figures and follow new events.</summary>
public sealed class RealtimeSocketTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private Uri SocketUri(string query = "") =>
        new($"ws://{shared.Server.BaseAddress.Authority}/api/v1/analytics/realtime/ws{query}");

    private static async Task<JsonNode> ReceiveAsync(ClientWebSocket socket)
    {
        var buffer = new byte[64 * 1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var text = new StringBuilder();
        WebSocketReceiveResult r;
        do
        {
            r = await socket.ReceiveAsync(buffer, timeout.Token);
            Assert.Equal(WebSocketMessageType.Text, r.MessageType);
            text.Append(Encoding.UTF8.GetString(buffer, 0, r.Count));
        }
        while (!r.EndOfMessage);
        return JsonNode.Parse(text.ToString())!;
    }

    [Fact]
    public async Task Frames_carry_the_realtime_figures_of_the_keys_team_and_follow_new_events()
    {
        var (_, client) = await shared.NewTeamAsync();
        string key = client.DefaultRequestHeaders.GetValues("X-API-Key").Single();
        var now = DateTimeOffset.UtcNow;
        await Kit.Ingest(client, Enumerable.Range(0, 5).Select(i => Kit.Event($"ws-{i}", i == 4 ? "failed" : "delivered", Kit.Format(now.AddSeconds(-20 + i)))).ToArray());

        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("X-API-Key", key);
        await socket.ConnectAsync(SocketUri("?window_seconds=300&interval_seconds=1"), CancellationToken.None);
        var first = await ReceiveAsync(socket);
        Assert.Equal("metrics:realtime", first["event"]!.GetValue<string>());
        var rest = await Kit.GetData(client, "/api/v1/analytics/metrics/messages/realtime?window_seconds=300");
        foreach (var field in new[] { "total_messages", "messages_delivered", "messages_failed", "window_seconds" })
            Assert.Equal(Kit.Long(rest, field), Kit.Long(first["data"]!, field));
        Assert.Equal(5, Kit.Long(first["data"]!, "total_messages"));

        await Kit.Ingest(client, new[] { Kit.Event("ws-late", "delivered", Kit.Format(DateTimeOffset.UtcNow)) });
        JsonNode next;
        int frames = 0;
        do next = await ReceiveAsync(socket);
        while (Kit.Long(next["data"]!, "total_messages") == 5 && ++frames < 5);
        Assert.Equal(6, Kit.Long(next["data"]!, "total_messages"));

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        Assert.Equal(WebSocketState.Closed, socket.State);
    }

    [Fact]
    public async Task A_missing_key_a_bad_parameter_and_a_plain_request_are_refused_before_any_upgrade()
    {
        using (var anonymous = new ClientWebSocket())
        {
            var e = await Assert.ThrowsAsync<WebSocketException>(() => anonymous.ConnectAsync(SocketUri(), CancellationToken.None));
            Assert.Contains("401", e.Message);
        }
        var (_, client) = await shared.NewTeamAsync();
        await Kit.AssertError(await client.GetAsync("/api/v1/analytics/realtime/ws?interval_seconds=0"), HttpStatusCode.BadRequest, "interval_seconds");
        await Kit.AssertError(await client.GetAsync("/api/v1/analytics/realtime/ws"), HttpStatusCode.BadRequest, "upgrade");
    }
}
