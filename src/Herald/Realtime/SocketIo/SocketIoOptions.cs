namespace Herald.Realtime.SocketIo;

/// <summary>
/// The bounds of the Socket.IO server (<c>Herald:SocketIo</c>). Every session holds at most
/// <see cref="MaxBufferedBytes"/> of unsent packets and accepts at most <see cref="MaxPayloadBytes"/> per POST or frame;
/// there are at most <see cref="MaxSessions"/> sessions, of which at most <see cref="MaxSessionsAwaitingConnect"/> have not
/// yet connected a namespace, and those last <see cref="ConnectTimeoutMs"/> at most.
/// </summary>
public sealed class SocketIoOptions
{
    /// <summary>How often the server pings (sent in the handshake as <c>pingInterval</c>).</summary>
    public int PingIntervalMs { get; set; } = 25_000;

    /// <summary>How long a ping waits for its pong before the session is closed (<c>pingTimeout</c>).</summary>
    public int PingTimeoutMs { get; set; } = 20_000;

    /// <summary>The largest POST body or WebSocket message a client may send (<c>maxPayload</c>).</summary>
    public int MaxPayloadBytes { get; set; } = 64 * 1024;

    public int MaxSessions { get; set; } = 1_000;

    /// <summary>Sessions that have not (or no longer) joined a namespace: anonymous until their CONNECT is admitted.</summary>
    public int MaxSessionsAwaitingConnect { get; set; } = 100;

    /// <summary>A session with no namespace connected for this long is closed.</summary>
    public int ConnectTimeoutMs { get; set; } = 10_000;

    /// <summary>How long the polling-to-WebSocket upgrade may take between the WebSocket opening and its upgrade packet.</summary>
    public int UpgradeTimeoutMs { get; set; } = 10_000;

    /// <summary>Unsent packets a session may hold; a client that falls this far behind is disconnected.</summary>
    public int MaxBufferedBytes { get; set; } = 64 * 1024;

    /// <summary>Binary attachments one packet may announce.</summary>
    public int MaxAttachments { get; set; } = 10;

    public void Validate()
    {
        foreach (var (name, value) in new[]
                 {
                     (nameof(PingIntervalMs), PingIntervalMs), (nameof(PingTimeoutMs), PingTimeoutMs), (nameof(MaxPayloadBytes), MaxPayloadBytes),
                     (nameof(MaxSessions), MaxSessions), (nameof(MaxSessionsAwaitingConnect), MaxSessionsAwaitingConnect),
                     (nameof(ConnectTimeoutMs), ConnectTimeoutMs), (nameof(UpgradeTimeoutMs), UpgradeTimeoutMs), (nameof(MaxBufferedBytes), MaxBufferedBytes),
                 })
            if (value <= 0) throw new InvalidOperationException($"Herald:SocketIo:{name} must be positive (it is {value})");
    }
}
