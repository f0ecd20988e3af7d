using System.Security.Cryptography;
using System.Text.Json;

namespace Herald.Realtime.SocketIo;

/// <summary>
/// The Socket.IO side of one Engine.IO session: the main namespace <c>/</c> (any other namespace is answered
/// CONNECT_ERROR "Invalid namespace"), its admission through the <see cref="ISocketIoHandler"/>, acknowledgements of
/// client events, and the connect timeout: a session with no namespace connected for
/// <see cref="SocketIoOptions.ConnectTimeoutMs"/> is closed, so an anonymous client holds nothing for long.
/// </summary>
internal sealed class SocketIoConnection
{
    private readonly EngineIoSession _session;
    private readonly SocketIoHandshake _handshake;
    private readonly ISocketIoHandler _handler;
    private readonly SocketIoOptions _options;
    private readonly ITimer _connectDeadline;
    private SocketIoSocket? _main;
    private bool _sawConnect;
    private int _attachmentsLeft;

    public SocketIoConnection(EngineIoSession session, SocketIoHandshake handshake, ISocketIoHandler handler, SocketIoOptions options, TimeProvider time)
    {
        _session = session;
        _handshake = handshake;
        _handler = handler;
        _options = options;
        _connectDeadline = time.CreateTimer(_ => ConnectTimedOut(), null, TimeSpan.FromMilliseconds(options.ConnectTimeoutMs), Timeout.InfiniteTimeSpan);
    }

    public bool HasNamespace => Volatile.Read(ref _main) is not null;

    public bool IsCurrent(SocketIoSocket socket) => ReferenceEquals(Volatile.Read(ref _main), socket);

    private void ConnectTimedOut()
    {
        if (!HasNamespace) _session.Close("connect timeout: no namespace was connected in time");
    }

    /// <summary>A text Socket.IO packet (called one at a time by the session); false when it breaks the protocol.</summary>
    public bool Receive(string text)
    {
        if (_attachmentsLeft > 0 || !SocketIoPacket.TryParse(text, _options.MaxAttachments, out var packet)) return false;
        // The first packet must be a CONNECT; later ones for a namespace that is not connected are ignored.
        if (!_sawConnect && packet!.Type != SocketIoPacketType.Connect) return false;
        _attachmentsLeft = packet!.Attachments;
        switch (packet.Type)
        {
            case SocketIoPacketType.Connect:
                _sawConnect = true;
                Connect(packet);
                break;
            case SocketIoPacketType.Disconnect when packet.Namespace == SocketIoPacket.MainNamespace:
                if (Interlocked.Exchange(ref _main, null) is { } socket)
                {
                    ArmConnectDeadline();
                    _handler.Disconnected(socket, "client namespace disconnect");
                }
                break;
            case SocketIoPacketType.Event or SocketIoPacketType.BinaryEvent when packet.AckId is { } id && IsConnected(packet.Namespace):
                // Nothing here answers client events; an acknowledgement is still owed.
                _session.SendMessage(SocketIoPacket.Encode(SocketIoPacketType.Ack, packet.Namespace, "[]", id));
                break;
        }
        return true;
    }

    /// <summary>A binary attachment of the last BINARY_EVENT or BINARY_ACK; nothing here reads them.</summary>
    public bool ReceiveBinary(byte[] attachment)
    {
        if (_attachmentsLeft == 0) return false;
        _attachmentsLeft--;
        return true;
    }

    private bool IsConnected(string nsp) => nsp == SocketIoPacket.MainNamespace && HasNamespace;

    private void Connect(SocketIoPacket packet)
    {
        if (packet.Namespace != SocketIoPacket.MainNamespace)
        {
            _session.SendMessage(SocketIoPacket.Encode(SocketIoPacketType.ConnectError, packet.Namespace, """{"message":"Invalid namespace"}"""));
            return;
        }
        if (HasNamespace) return;
        var admission = _handler.Admit(_handshake, packet.Data);
        if (!admission.Accepted)
        {
            string error = JsonSerializer.Serialize(new ConnectError(admission.Message ?? "refused", admission.Data), ConnectErrorJson);
            _session.SendMessage(SocketIoPacket.Encode(SocketIoPacketType.ConnectError, SocketIoPacket.MainNamespace, error));
            return;
        }
        var socket = new SocketIoSocket(NewId(), _handshake, admission.State, this);
        if (!_session.SendMessage(SocketIoPacket.Encode(SocketIoPacketType.Connect, SocketIoPacket.MainNamespace,
                JsonSerializer.Serialize(new { sid = socket.Id }))))
            return;
        Volatile.Write(ref _main, socket);
        SetConnectDeadline(Timeout.InfiniteTimeSpan);
        if (_session.IsClosed && Interlocked.Exchange(ref _main, null) is not null) return; // closed meanwhile: EngineClosed saw no socket
        _handler.Connected(socket);
    }

    private void ArmConnectDeadline() => SetConnectDeadline(TimeSpan.FromMilliseconds(_options.ConnectTimeoutMs));

    private void SetConnectDeadline(TimeSpan due)
    {
        try
        {
            _connectDeadline.Change(due, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // The session closed meanwhile.
        }
    }

    public bool Emit(SocketIoSocket socket, string eventName, string jsonArgument) =>
        IsCurrent(socket) && _session.SendMessage(SocketIoPacket.EncodeEvent(eventName, jsonArgument));

    public void ServerDisconnect(SocketIoSocket socket)
    {
        if (Interlocked.CompareExchange(ref _main, null, socket) != socket) return;
        _session.SendMessage(SocketIoPacket.Encode(SocketIoPacketType.Disconnect, SocketIoPacket.MainNamespace));
        _handler.Disconnected(socket, "server namespace disconnect");
        _session.Close("server namespace disconnect");
    }

    /// <summary>The session closed: the connected socket, if any, is disconnected with the session's reason.</summary>
    public void EngineClosed(string reason)
    {
        _connectDeadline.Dispose();
        if (Interlocked.Exchange(ref _main, null) is { } socket) _handler.Disconnected(socket, reason);
    }

    /// <summary>20 URL-safe characters, like the reference server's ids.</summary>
    public static string NewId() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(15)).Replace('+', '-').Replace('/', '_');

    private sealed record ConnectError(string Message, object? Data);

    private static readonly JsonSerializerOptions ConnectErrorJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };
}
