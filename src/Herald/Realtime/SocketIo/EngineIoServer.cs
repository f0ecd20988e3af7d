using Microsoft.AspNetCore.Http.HttpResults;
using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using Herald.Api;

namespace Herald.Realtime.SocketIo;

/// <summary>
/// An Engine.IO v4 server carrying Socket.IO v5 (github.com/socketio/engine.io-protocol, socket.io-protocol): the
/// HTTP long-polling transport (GET receives, POST sends, one of each at a time), the WebSocket transport, the upgrade
/// from one to the other (<c>2probe</c>, <c>3probe</c>, <c>5</c>), and the sessions' table, bounded by
/// <see cref="SocketIoOptions.MaxSessions"/> and <see cref="SocketIoOptions.MaxSessionsAwaitingConnect"/>.
/// A request the protocol rejects gets a 400 in Herald's error envelope (Socket.IO clients read only the status).
/// </summary>
public sealed class EngineIoServer
{
    private static readonly string[] PollingUpgrades = ["websocket"];
    private const string TextPlain = "text/plain; charset=UTF-8";

    private readonly ConcurrentDictionary<string, EngineIoSession> _sessions = new(StringComparer.Ordinal);
    private readonly object _admission = new();
    private readonly SocketIoOptions _options;
    private readonly ISocketIoHandler _handler;
    private readonly TimeProvider _time;

    public EngineIoServer(SocketIoOptions options, ISocketIoHandler handler, TimeProvider time)
    {
        options.Validate();
        _options = options;
        _handler = handler;
        _time = time;
    }

    public int SessionCount => _sessions.Count;

    /// <summary>Closes every session (the host is stopping), so no poll or WebSocket holds the shutdown up.</summary>
    public void CloseAll(string reason)
    {
        foreach (var session in _sessions.Values) session.Close(reason);
    }

    public async Task HandleAsync(HttpContext http) => await (await AnswerAsync(http)).ExecuteAsync(http);

    private async Task<IResult> AnswerAsync(HttpContext http)
    {
        var query = http.Request.Query;
        if (query["EIO"] != "4")
            return ApiResults.BadRequest("EIO", "must be 4: this server speaks Engine.IO protocol v4 (Socket.IO 3 and later clients)");
        string transport = query["transport"].ToString();
        if (transport is not ("polling" or "websocket"))
            return ApiResults.BadRequest("transport", "must be polling or websocket");
        string? sid = query["sid"].ToString() is { Length: > 0 } s ? s : null;

        if (transport == "websocket")
        {
            if (!http.WebSockets.IsWebSocketRequest)
                return ApiResults.BadRequest("transport", "transport=websocket needs a WebSocket upgrade request");
            return sid is null ? await OpenWebSocketAsync(http) : await UpgradeAsync(http, sid);
        }

        bool get = HttpMethods.IsGet(http.Request.Method), post = HttpMethods.IsPost(http.Request.Method);
        if (!get && !post) return ApiResults.BadRequest("method", "long-polling takes GET (receive) and POST (send)");
        if (sid is null)
        {
            if (!get) return ApiResults.BadRequest("sid", "a session opens with a GET; a POST must name its session");
            var opened = Open(http, EngineIoTransport.Polling);
            if (opened is null) return Full(http);
            return Text(http, opened.OpenPacket(PollingUpgrades).Encode());
        }
        if (!_sessions.TryGetValue(sid, out var session)) return UnknownSession();
        if (session.Transport != EngineIoTransport.Polling)
            return ApiResults.BadRequest("transport", "this session has moved to its WebSocket");
        return get ? await PollAsync(http, session) : await PostAsync(http, session);
    }

    private static BadRequest<ErrorEnvelope> UnknownSession() =>
        ApiResults.BadRequest("sid", "no open session has this id (it closed, timed out, or never existed)");

    private JsonHttpResult<ErrorEnvelope> Full(HttpContext http)
    {
        http.Response.Headers.RetryAfter = "5";
        return ApiResults.Error(StatusCodes.Status503ServiceUnavailable, "too_many_sessions",
            $"the Socket.IO server holds its maximum of sessions ({_options.MaxSessions} in all, {_options.MaxSessionsAwaitingConnect} not yet connected); retry later");
    }

    private static IResult Text(HttpContext http, string payload)
    {
        http.Response.Headers.CacheControl = "no-store";
        return Results.Text(payload, TextPlain, Encoding.UTF8);
    }

    /// <summary>A new session, unless the table is full (in all, or of sessions that have not connected a namespace).</summary>
    private EngineIoSession? Open(HttpContext http, EngineIoTransport transport)
    {
        lock (_admission)
        {
            if (_sessions.Count >= _options.MaxSessions) return null;
            int awaiting = 0;
            foreach (var s in _sessions.Values)
                if (!s.Connection.HasNamespace) awaiting++;
            if (awaiting >= _options.MaxSessionsAwaitingConnect) return null;
            var session = new EngineIoSession(SocketIoConnection.NewId(), transport, SocketIoHandshake.Of(http, _time.GetUtcNow()), _options, _handler, _time,
                closed => _sessions.TryRemove(new KeyValuePair<string, EngineIoSession>(closed.Id, closed)));
            _sessions[session.Id] = session;
            return session;
        }
    }

    private static async Task<IResult> PollAsync(HttpContext http, EngineIoSession session)
    {
        if (!session.TryBeginPoll())
        {
            session.Close("a second GET poll while one was pending");
            return ApiResults.BadRequest("sid", "a GET poll is already pending for this session (one at a time); the session is closed");
        }
        try
        {
            return Text(http, await session.NextPollPayloadAsync(http.RequestAborted));
        }
        catch (OperationCanceledException)
        {
            return Results.Empty; // the client went away; the heartbeat settles the session
        }
        finally
        {
            session.EndPoll();
        }
    }

    private async Task<IResult> PostAsync(HttpContext http, EngineIoSession session)
    {
        if (!session.TryBeginPost())
        {
            session.Close("a second POST while one was in flight");
            return ApiResults.BadRequest("sid", "a POST is already in flight for this session (one at a time); the session is closed");
        }
        try
        {
            var body = await ReadBodyAsync(http.Request, _options.MaxPayloadBytes, http.RequestAborted);
            if (body is null)
            {
                session.Close("payload too large");
                return ApiResults.Error(StatusCodes.Status413PayloadTooLarge, "payload_too_large",
                    $"a POST carries at most maxPayload = {_options.MaxPayloadBytes} bytes; the session is closed", new ErrorDetail("body", "too large"));
            }
            foreach (var part in body.Split(EngineIoPacket.RecordSeparator))
            {
                if (!EngineIoPacket.TryParsePolling(part, out var packet))
                {
                    session.Close("malformed Engine.IO payload");
                    return ApiResults.BadRequest("body", "not an Engine.IO v4 payload (packets joined by \\x1e); the session is closed");
                }
                if (!session.Receive(packet))
                    return ApiResults.BadRequest("body", $"the packet broke the protocol ({session.CloseReason}); the session is closed");
            }
            return Text(http, "ok");
        }
        catch (OperationCanceledException)
        {
            return Results.Empty;
        }
        finally
        {
            session.EndPost();
        }
    }

    /// <summary>The body as UTF-8 text, or null when it is longer than <paramref name="max"/> bytes.</summary>
    private static async Task<string?> ReadBodyAsync(HttpRequest request, int max, CancellationToken cancel)
    {
        if (request.ContentLength > max) return null;
        var buffer = ArrayPool<byte>.Shared.Rent(max + 1);
        try
        {
            int total = 0;
            while (total <= max)
            {
                int n = await request.Body.ReadAsync(buffer.AsMemory(total, max + 1 - total), cancel);
                if (n == 0) return Encoding.UTF8.GetString(buffer, 0, total);
                total += n;
            }
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task<IResult> OpenWebSocketAsync(HttpContext http)
    {
        var session = Open(http, EngineIoTransport.WebSocket);
        if (session is null) return Full(http);
        using var socket = await http.WebSockets.AcceptWebSocketAsync();
        session.Send(session.OpenPacket([]));
        session.UseWebSocket(socket);
        await ReadWebSocketAsync(session, socket);
        return Results.Empty;
    }

    /// <summary>The upgrade of a polling session: <c>2probe</c> is answered <c>3probe</c>, then <c>5</c> moves the session over.</summary>
    private async Task<IResult> UpgradeAsync(HttpContext http, string sid)
    {
        if (!_sessions.TryGetValue(sid, out var session)) return UnknownSession();
        if (!session.TryClaimUpgrade())
        {
            // One WebSocket per session: a second one is accepted and closed at once, as the protocol says.
            using var extra = await http.WebSockets.AcceptWebSocketAsync();
            await CloseQuietlyAsync(extra, WebSocketCloseStatus.PolicyViolation, "this session already has its WebSocket");
            return Results.Empty;
        }
        WebSocket socket;
        try
        {
            socket = await http.WebSockets.AcceptWebSocketAsync();
        }
        catch
        {
            session.AbandonUpgrade();
            throw;
        }
        using (socket)
        {
            bool upgraded = false;
            using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(session.Closed, http.RequestAborted))
            {
                deadline.CancelAfter(_options.UpgradeTimeoutMs);
                try
                {
                    var probe = await ReceiveMessageAsync(socket, _options.MaxPayloadBytes, deadline.Token);
                    if (probe.Text == EngineIoPacket.Of(EngineIoPacketType.Ping, "probe").Encode())
                    {
                        await socket.SendAsync(Encoding.UTF8.GetBytes(EngineIoPacket.Of(EngineIoPacketType.Pong, "probe").Encode()),
                            WebSocketMessageType.Text, endOfMessage: true, deadline.Token);
                        session.ProbeAnswered();
                        var upgrade = await ReceiveMessageAsync(socket, _options.MaxPayloadBytes, deadline.Token);
                        upgraded = upgrade.Text == EngineIoPacket.Of(EngineIoPacketType.Upgrade).Encode() && !session.IsClosed;
                    }
                }
                catch (Exception e) when (e is OperationCanceledException or WebSocketException)
                {
                }
            }
            if (!upgraded)
            {
                session.AbandonUpgrade();
                await CloseQuietlyAsync(socket, WebSocketCloseStatus.PolicyViolation, "upgrade failed: expected 2probe, then 5");
                return Results.Empty;
            }
            session.UseWebSocket(socket);
            await ReadWebSocketAsync(session, socket);
        }
        return Results.Empty;
    }

    private static async Task CloseQuietlyAsync(WebSocket socket, WebSocketCloseStatus status, string reason)
    {
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived) await socket.CloseAsync(status, reason, grace.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
        }
    }

    /// <summary>Reads the session's WebSocket until it closes; its writer sends every frame, the close frame included.</summary>
    private async Task ReadWebSocketAsync(EngineIoSession session, WebSocket socket)
    {
        try
        {
            while (true)
            {
                var message = await ReceiveMessageAsync(socket, _options.MaxPayloadBytes, session.Abort);
                if (message.Type == WebSocketMessageType.Close)
                {
                    session.Close("transport close", closedByClient: true);
                    break;
                }
                if (message.TooLarge)
                {
                    session.Close("payload too large", status: WebSocketCloseStatus.MessageTooBig);
                    break; // the writer sends the close frame; the rest of the message is never read
                }
                if (session.IsClosed) continue;
                EngineIoPacket packet;
                if (message.Type == WebSocketMessageType.Binary) packet = new EngineIoPacket(EngineIoPacketType.Message, "", message.Binary);
                else if (!EngineIoPacket.TryParseText(message.Text!, out packet))
                {
                    session.Close("malformed Engine.IO packet", status: WebSocketCloseStatus.ProtocolError);
                    continue;
                }
                session.Receive(packet);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            session.Close("transport error", hard: true);
        }
        await session.Writer;
    }

    private readonly record struct WebSocketMessage(WebSocketMessageType Type, string? Text, byte[]? Binary, bool TooLarge);

    /// <summary>One whole message; reading stops at the first frame that takes a message past <paramref name="max"/> bytes.</summary>
    private static async Task<WebSocketMessage> ReceiveMessageAsync(WebSocket socket, int max, CancellationToken cancel)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(max, 16 * 1024) + 1);
        var message = new ArrayBufferWriter<byte>();
        try
        {
            while (true)
            {
                var r = await socket.ReceiveAsync(buffer.AsMemory(), cancel);
                if (r.MessageType == WebSocketMessageType.Close) return new WebSocketMessage(WebSocketMessageType.Close, null, null, false);
                if (message.WrittenCount + r.Count > max) return new WebSocketMessage(r.MessageType, null, null, true);
                message.Write(buffer.AsSpan(0, r.Count));
                if (r.EndOfMessage)
                    return r.MessageType == WebSocketMessageType.Text
                        ? new WebSocketMessage(r.MessageType, Encoding.UTF8.GetString(message.WrittenSpan), null, false)
                        : new WebSocketMessage(r.MessageType, null, message.WrittenSpan.ToArray(), false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
