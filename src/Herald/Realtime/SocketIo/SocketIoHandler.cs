using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Primitives;

namespace Herald.Realtime.SocketIo;

/// <summary>What the application behind the main namespace <c>/</c> decides and hears. Calls may come from any thread.</summary>
public interface ISocketIoHandler
{
    /// <summary>Decides a CONNECT to <c>/</c>, from the session's opening request and the packet's <c>auth</c> payload.</summary>
    SocketIoAdmission Admit(SocketIoHandshake handshake, JsonElement? auth);

    /// <summary>The socket is connected: its CONNECT answer has been queued, so anything emitted now follows it.</summary>
    void Connected(SocketIoSocket socket);

    /// <summary>The socket left (the client disconnected, its session closed or timed out, or the server disconnected it).</summary>
    void Disconnected(SocketIoSocket socket, string reason);
}

/// <summary>The request that opened the Engine.IO session (the first polling GET, or the WebSocket upgrade request).</summary>
public sealed record SocketIoHandshake(
    IReadOnlyDictionary<string, StringValues> Headers, IReadOnlyDictionary<string, StringValues> Query, IPAddress? RemoteAddress, DateTimeOffset Time)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var v) && v.Count > 0 ? v[0] : null;

    public string? QueryValue(string name) => Query.TryGetValue(name, out var v) && v.Count > 0 ? v[0] : null;

    public static SocketIoHandshake Of(HttpContext http, DateTimeOffset now) => new(
        new Dictionary<string, StringValues>(http.Request.Headers, StringComparer.OrdinalIgnoreCase),
        http.Request.Query.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
        http.Connection.RemoteIpAddress, now);
}

/// <summary>A CONNECT's answer: accepted (with the application's state for the socket) or refused with a CONNECT_ERROR.</summary>
public sealed record SocketIoAdmission(bool Accepted, object? State, string? Message, object? Data)
{
    public static SocketIoAdmission Accept(object? state) => new(true, state, null, null);

    /// <summary>Refused: the client's <c>connect_error</c> carries <paramref name="message"/> and <paramref name="data"/>.</summary>
    public static SocketIoAdmission Refuse(string message, object? data = null) => new(false, null, message, data);
}

/// <summary>A client connected to the main namespace.</summary>
public sealed class SocketIoSocket
{
    private readonly SocketIoConnection _connection;

    internal SocketIoSocket(string id, SocketIoHandshake handshake, object? state, SocketIoConnection connection)
    {
        Id = id;
        Handshake = handshake;
        State = state;
        _connection = connection;
    }

    /// <summary>The socket's id, sent in the CONNECT answer (not the Engine.IO session id).</summary>
    public string Id { get; }

    public SocketIoHandshake Handshake { get; }

    /// <summary>What <see cref="SocketIoAdmission.Accept"/> was given.</summary>
    public object? State { get; }

    public bool IsConnected => _connection.IsCurrent(this);

    /// <summary>
    /// Queues <c>42["eventName",argument]</c>. False when the socket is gone, or when the client has fallen
    /// <see cref="SocketIoOptions.MaxBufferedBytes"/> behind, which closes its session.
    /// </summary>
    public bool Emit(string eventName, string jsonArgument) => _connection.Emit(this, eventName, jsonArgument);

    /// <summary>Sends DISCONNECT (the client sees "io server disconnect" and does not reconnect) and closes the session.</summary>
    public void Disconnect() => _connection.ServerDisconnect(this);
}
