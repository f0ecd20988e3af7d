using System.Net.WebSockets;
using System.Text.Json;
using Herald.Analytics;
using Herald.Api.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Herald.Api.Trends;

/// <summary>
/// Seed 004's "real-time streaming": a WebSocket at <c>GET /api/v1/analytics/realtime/ws</c> that sends
/// <c>{"event":"metrics:realtime","data":{...}}</c>, the same figures as <c>/analytics/metrics/messages/realtime</c>, every
/// <c>interval_seconds</c> (1-60, default 1). It takes the same <c>window_seconds</c>, filters and <c>team</c>, checked before
/// the upgrade (a bad one is a 400, a missing key a 401, like any route). The key goes in <c>X-API-Key</c> or
/// <c>Authorization: Bearer</c>; browsers, which cannot set headers on a WebSocket, use the dashboard's SSE stream instead.
/// Plain WebSocket frames, not Socket.IO's protocol: any WebSocket client reads them.
/// </summary>
public static class RealtimeSocketEndpoints
{
    public const string EventName = "metrics:realtime";

    public static IEndpointRouteBuilder MapRealtimeSocketEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/analytics/realtime/ws", Stream).RequireScope(Scopes.MetricsRead).WithTags("Analytics").WithMetadata(new Monitoring.LongLivedRequests())
            .WithSummary("WebSocket: the real-time message metrics every interval_seconds, as {\"event\":\"metrics:realtime\",\"data\":...}");
        return app;
    }

    private static async Task<Results<EmptyHttpResult, BadRequest<ErrorEnvelope>>> Stream(
        [AsParameters] RealtimeSocketParameters parameters, HttpContext http, MetricsQuery query, TimeProvider time, IOptions<JsonOptions> json,
        IHostApplicationLifetime lifetime)
    {
        var filter = parameters.Filter();
        int seconds = parameters.Seconds;
        int interval = parameters.IntervalSeconds ?? 1;
        var teams = parameters.Teams(http);
        if (!http.WebSockets.IsWebSocketRequest)
            return ApiResults.BadRequest("upgrade", "this route speaks WebSocket: connect with a WebSocket client (Upgrade: websocket)");

        using var socket = await http.WebSockets.AcceptWebSocketAsync();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        var reading = DrainUntilClosed(socket, stop);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(interval), time);
        try
        {
            do
            {
                var message = new { @event = EventName, data = TrendEndpoints.RealtimeOf(query, teams, filter, seconds, time.GetUtcNow()) };
                var bytes = JsonSerializer.SerializeToUtf8Bytes(message, json.Value.SerializerOptions);
                await socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, stop.Token);
            }
            while (await timer.WaitForNextTickAsync(stop.Token));
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // The client left or the server is stopping.
        }
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, lifetime.ApplicationStopping.IsCancellationRequested ? "server stopping" : "bye", grace.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or WebSocketException)
            {
            }
        }
        await reading;
        return TypedResults.Empty;
    }

    /// <summary>Reads (and ignores) what the client sends, so its close frame is seen and ends the stream.</summary>
    private static async Task DrainUntilClosed(WebSocket socket, CancellationTokenSource stop)
    {
        var buffer = new byte[1024];
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var r = await socket.ReceiveAsync(buffer, stop.Token);
                if (r.MessageType == WebSocketMessageType.Close) break;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
        }
        stop.Cancel();
    }
}
