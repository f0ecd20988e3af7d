using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Herald.Realtime.SocketIo;

public enum EngineIoTransport
{
    Polling,
    WebSocket,
}

/// <summary>
/// One Engine.IO session: its transport (long-polling, or a WebSocket from the start or after an upgrade), the
/// bounded queue of packets not yet sent, and the heartbeat (a ping every <c>pingInterval</c>; no pong within
/// <c>pingTimeout</c> closes the session). Long-polling GETs take everything queued; on a WebSocket a writer sends each
/// packet in its own frame. State changes happen under one lock; received packets are handled one at a time.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Its tokens are handed to the transport's readers and writers, which may observe them after the session closes; a cancelled source holds nothing.")]
internal sealed class EngineIoSession
{
    /// <summary>How long a closing WebSocket may take to finish its close handshake before it is aborted.</summary>
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(2);

    private readonly object _gate = new();
    private readonly object _receiving = new();
    private readonly Queue<string> _outgoing = new();
    private readonly SocketIoOptions _options;
    private readonly Action<EngineIoSession> _onClosed;
    private readonly ITimer _heartbeat;
    private readonly CancellationTokenSource _closed = new();
    private readonly CancellationTokenSource _abort = new();
    private TaskCompletionSource _wake = NewSignal();
    private int _outgoingBytes;
    private bool _awaitingPong;
    private bool _pollActive, _postActive;
    private bool _upgradeClaimed, _upgrading;
    private bool _isClosed, _closedByClient;
    private WebSocketCloseStatus _closeStatus = WebSocketCloseStatus.NormalClosure;
    private Task _writer = Task.CompletedTask;

    public EngineIoSession(string id, EngineIoTransport transport, SocketIoHandshake handshake, SocketIoOptions options, ISocketIoHandler handler,
        TimeProvider time, Action<EngineIoSession> onClosed)
    {
        Id = id;
        Transport = transport;
        _options = options;
        _onClosed = onClosed;
        Connection = new SocketIoConnection(this, handshake, handler, options, time);
        _heartbeat = time.CreateTimer(_ => Heartbeat(), null, TimeSpan.FromMilliseconds(options.PingIntervalMs), Timeout.InfiniteTimeSpan);
    }

    public string Id { get; }
    public EngineIoTransport Transport { get; private set; }
    public SocketIoConnection Connection { get; }
    public string? CloseReason { get; private set; }
    public bool IsClosed => Volatile.Read(ref _isClosed);

    /// <summary>Cancelled when the session closes.</summary>
    public CancellationToken Closed => _closed.Token;

    /// <summary>Cancelled when the WebSocket must stop at once (a dead or slow client), or after a close's grace period.</summary>
    public CancellationToken Abort => _abort.Token;

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The handshake's <c>open</c> packet.</summary>
    public EngineIoPacket OpenPacket(IReadOnlyList<string> upgrades) => EngineIoPacket.Of(EngineIoPacketType.Open, new JsonObject
    {
        ["sid"] = Id,
        ["upgrades"] = new JsonArray(upgrades.Select(u => (JsonNode)u).ToArray()),
        ["pingInterval"] = _options.PingIntervalMs,
        ["pingTimeout"] = _options.PingTimeoutMs,
        ["maxPayload"] = _options.MaxPayloadBytes,
    }.ToJsonString());

    /// <summary>Queues a packet; a full queue closes the session (the client cannot keep up) and answers false.</summary>
    public bool Send(EngineIoPacket packet)
    {
        string encoded = packet.Encode();
        int bytes = Encoding.UTF8.GetByteCount(encoded);
        lock (_gate)
        {
            if (IsClosed) return false;
            if (_outgoingBytes + bytes <= _options.MaxBufferedBytes)
            {
                _outgoing.Enqueue(encoded);
                _outgoingBytes += bytes;
                WakeLocked();
                return true;
            }
        }
        Close("transport buffer full: the client reads too slowly", hard: true);
        return false;
    }

    public bool SendMessage(string socketIoPacket) => Send(EngineIoPacket.Of(EngineIoPacketType.Message, socketIoPacket));

    private void WakeLocked()
    {
        var wake = _wake;
        _wake = NewSignal();
        wake.TrySetResult();
    }

    /// <summary>Handles a packet from the client; false when it broke the protocol (the session is then closed).</summary>
    public bool Receive(EngineIoPacket packet)
    {
        lock (_receiving)
        {
            if (IsClosed) return false;
            switch (packet.Type)
            {
                case EngineIoPacketType.Pong:
                    lock (_gate)
                    {
                        _awaitingPong = false;
                        if (!IsClosed) _heartbeat.Change(TimeSpan.FromMilliseconds(_options.PingIntervalMs), Timeout.InfiniteTimeSpan);
                    }
                    return true;
                case EngineIoPacketType.Ping:
                    Send(EngineIoPacket.Of(EngineIoPacketType.Pong, packet.Text));
                    return true;
                case EngineIoPacketType.Close:
                    Close("client close", closedByClient: true);
                    return true;
                case EngineIoPacketType.Noop:
                    return true;
                case EngineIoPacketType.Message:
                    if (packet.IsBinary ? Connection.ReceiveBinary(packet.Binary!) : Connection.Receive(packet.Text)) return true;
                    break;
            }
            Close($"protocol error: unexpected {packet.Type} packet or malformed Socket.IO packet", status: WebSocketCloseStatus.ProtocolError);
            return false;
        }
    }

    private void Heartbeat()
    {
        bool timedOut;
        lock (_gate)
        {
            if (IsClosed) return;
            timedOut = _awaitingPong;
            if (!timedOut)
            {
                _awaitingPong = true;
                _heartbeat.Change(TimeSpan.FromMilliseconds(_options.PingTimeoutMs), Timeout.InfiniteTimeSpan);
            }
        }
        if (timedOut) Close("ping timeout");
        else Send(EngineIoPacket.Of(EngineIoPacketType.Ping));
    }

    /// <summary>
    /// Closes the session once. A server-side close ends a pending poll with the queued packets and a <c>close</c>
    /// packet (a client's own close with a <c>noop</c>), and a WebSocket with a close frame after the queued packets,
    /// unless <paramref name="hard"/>, which aborts the WebSocket at once.
    /// </summary>
    public void Close(string reason, bool closedByClient = false, bool hard = false, WebSocketCloseStatus status = WebSocketCloseStatus.NormalClosure)
    {
        lock (_gate)
        {
            if (IsClosed) return;
            CloseReason = reason;
            _closedByClient = closedByClient;
            _closeStatus = status;
            _isClosed = true;
            if (hard)
            {
                _outgoing.Clear();
                _outgoingBytes = 0;
            }
            WakeLocked();
        }
        _closed.Cancel();
        _heartbeat.Dispose();
        if (hard) _abort.Cancel();
        else _abort.CancelAfter(CloseGrace);
        _onClosed(this);
        Connection.EngineClosed(reason);
    }

    // ---- long-polling ----

    /// <summary>Starts a GET; false when one is already pending (the protocol allows one) or the session is not polling.</summary>
    public bool TryBeginPoll() => TryBeginRequest(ref _pollActive);

    public void EndPoll() => EndRequest(ref _pollActive);

    /// <summary>Starts a POST; false when one is already in flight (the protocol allows one) or the session is not polling.</summary>
    public bool TryBeginPost() => TryBeginRequest(ref _postActive);

    public void EndPost() => EndRequest(ref _postActive);

    private bool TryBeginRequest(ref bool active)
    {
        lock (_gate)
        {
            if (active || Transport != EngineIoTransport.Polling) return false;
            active = true;
            return true;
        }
    }

    private void EndRequest(ref bool active)
    {
        lock (_gate) active = false;
    }

    /// <summary>
    /// What a GET answers: the queued packets as soon as there are any; <c>noop</c> while the session upgrades (so
    /// the client can pause polling); after a close, what was left and <c>close</c> (or <c>noop</c> after the client's own).
    /// </summary>
    public async Task<string> NextPollPayloadAsync(CancellationToken aborted)
    {
        while (true)
        {
            Task wake;
            lock (_gate)
            {
                if (_upgrading || Transport != EngineIoTransport.Polling) return EngineIoPacket.Of(EngineIoPacketType.Noop).Encode();
                if (_outgoing.Count > 0 || IsClosed)
                {
                    var packets = TakeAllLocked();
                    if (IsClosed && (!_closedByClient || packets.Count == 0))
                        packets.Add(EngineIoPacket.Of(_closedByClient ? EngineIoPacketType.Noop : EngineIoPacketType.Close).Encode());
                    return EngineIoPacket.JoinPayload(packets);
                }
                wake = _wake.Task;
            }
            await wake.WaitAsync(aborted);
        }
    }

    private List<string> TakeAllLocked()
    {
        var packets = new List<string>(_outgoing.Count);
        while (_outgoing.TryDequeue(out var p)) packets.Add(p);
        _outgoingBytes = 0;
        return packets;
    }

    // ---- WebSocket ----

    /// <summary>The session's transport is (now) this WebSocket: its writer starts sending the queue.</summary>
    public void UseWebSocket(WebSocket socket)
    {
        lock (_gate)
        {
            Transport = EngineIoTransport.WebSocket;
            _upgrading = false;
            _writer = Task.Run(() => WriteAsync(socket));
            WakeLocked();
        }
    }

    /// <summary>Claims the upgrade for one WebSocket; false when the session is not polling or another one claimed it.</summary>
    public bool TryClaimUpgrade()
    {
        lock (_gate)
        {
            if (IsClosed || Transport != EngineIoTransport.Polling || _upgradeClaimed) return false;
            _upgradeClaimed = true;
            return true;
        }
    }

    /// <summary>The probe was answered: polls now get <c>noop</c> and packets wait for the WebSocket.</summary>
    public void ProbeAnswered()
    {
        lock (_gate)
        {
            _upgrading = true;
            WakeLocked();
        }
    }

    /// <summary>The upgrade failed: the session carries on polling, and may try again.</summary>
    public void AbandonUpgrade()
    {
        lock (_gate)
        {
            _upgradeClaimed = false;
            _upgrading = false;
            WakeLocked();
        }
    }

    /// <summary>Completes when the WebSocket writer has sent its last frame (or given up).</summary>
    public Task Writer
    {
        get
        {
            lock (_gate) return _writer;
        }
    }

    private async Task WriteAsync(WebSocket socket)
    {
        try
        {
            while (true)
            {
                Task wake;
                List<string>? packets = null;
                lock (_gate)
                {
                    if (_outgoing.Count > 0) packets = TakeAllLocked();
                    else if (IsClosed) break;
                    wake = _wake.Task;
                }
                if (packets is null)
                {
                    await wake.WaitAsync(_abort.Token);
                    continue;
                }
                foreach (var p in packets)
                    await socket.SendAsync(Encoding.UTF8.GetBytes(p), WebSocketMessageType.Text, endOfMessage: true, _abort.Token);
            }
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await socket.CloseOutputAsync(_closeStatus, Truncate(CloseReason), _abort.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            Close("transport error", hard: true);
        }
    }

    /// <summary>A close frame's reason is at most 123 bytes.</summary>
    private static string? Truncate(string? reason) => reason is { Length: > 120 } ? reason[..120] : reason;
}
