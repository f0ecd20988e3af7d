using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Herald.Realtime.SocketIo;

/// <summary>The Socket.IO v5 packet types.</summary>
public enum SocketIoPacketType
{
    Connect = 0,
    Disconnect = 1,
    Event = 2,
    Ack = 3,
    ConnectError = 4,
    BinaryEvent = 5,
    BinaryAck = 6,
}

/// <summary>
/// A Socket.IO packet as its default parser writes it inside an Engine.IO message:
/// <c>&lt;type&gt;[&lt;attachments&gt;-][&lt;namespace&gt;,][&lt;ack id&gt;][JSON payload]</c>, the namespace only when it is not <c>/</c>.
/// </summary>
public sealed record SocketIoPacket(SocketIoPacketType Type, string Namespace, JsonElement? Data, int? AckId, int Attachments)
{
    public const string MainNamespace = "/";

    /// <summary>Names an EVENT may not carry: the client library reserves them for its own events.</summary>
    private static readonly string[] ReservedEvents = ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];

    /// <summary>
    /// Parses a packet a client sent, checking its payload against its type (CONNECT: an object or nothing; EVENT: a
    /// non-empty array led by an event name; ACK: an array). False for anything else, including CONNECT_ERROR, which
    /// only a server sends.
    /// </summary>
    public static bool TryParse(string text, int maxAttachments, out SocketIoPacket? packet)
    {
        packet = null;
        if (text.Length == 0 || text[0] < '0' || text[0] > '6') return false;
        var type = (SocketIoPacketType)(text[0] - '0');
        int i = 1;
        int attachments = 0;
        if (type is SocketIoPacketType.BinaryEvent or SocketIoPacketType.BinaryAck)
        {
            int dash = text.IndexOf('-', i);
            if (dash < 0 || !int.TryParse(text.AsSpan(i, dash - i), NumberStyles.None, CultureInfo.InvariantCulture, out attachments)
                || attachments > maxAttachments)
                return false;
            i = dash + 1;
        }
        string nsp = MainNamespace;
        if (i < text.Length && text[i] == '/')
        {
            int comma = text.IndexOf(',', i);
            int end = comma < 0 ? text.Length : comma;
            nsp = text[i..end];
            i = comma < 0 ? end : end + 1;
        }
        int? ackId = null;
        int digits = i;
        while (digits < text.Length && char.IsAsciiDigit(text[digits])) digits++;
        if (digits > i)
        {
            if (!int.TryParse(text.AsSpan(i, digits - i), NumberStyles.None, CultureInfo.InvariantCulture, out int id)) return false;
            ackId = id;
            i = digits;
        }
        JsonElement? data = null;
        if (i < text.Length)
        {
            try
            {
                using var doc = JsonDocument.Parse(text.AsMemory(i), new JsonDocumentOptions { MaxDepth = 32 });
                data = doc.RootElement.Clone();
            }
            catch (JsonException)
            {
                return false;
            }
        }
        bool valid = type switch
        {
            SocketIoPacketType.Connect => data is null || data.Value.ValueKind == JsonValueKind.Object,
            SocketIoPacketType.Disconnect => data is null,
            SocketIoPacketType.Event or SocketIoPacketType.BinaryEvent => IsEventPayload(data),
            SocketIoPacketType.Ack or SocketIoPacketType.BinaryAck => ackId is not null && data is { ValueKind: JsonValueKind.Array },
            _ => false,
        };
        if (!valid) return false;
        packet = new SocketIoPacket(type, nsp, data, ackId, attachments);
        return true;
    }

    private static bool IsEventPayload(JsonElement? data)
    {
        if (data is not { ValueKind: JsonValueKind.Array } array || array.GetArrayLength() == 0) return false;
        var name = array[0];
        return name.ValueKind == JsonValueKind.Number
            || name.ValueKind == JsonValueKind.String && Array.IndexOf(ReservedEvents, name.GetString()) < 0;
    }

    /// <summary>Encodes a packet the server sends; <paramref name="json"/> is its payload, already JSON.</summary>
    public static string Encode(SocketIoPacketType type, string nsp, string? json = null, int? ackId = null)
    {
        var sb = new StringBuilder().Append((char)('0' + (int)type));
        if (nsp != MainNamespace) sb.Append(nsp).Append(',');
        if (ackId is { } id) sb.Append(id.ToString(CultureInfo.InvariantCulture));
        return sb.Append(json).ToString();
    }

    /// <summary>An EVENT of the main namespace: <c>2["name",argument]</c>.</summary>
    public static string EncodeEvent(string eventName, string jsonArgument) =>
        Encode(SocketIoPacketType.Event, MainNamespace, $"[{JsonSerializer.Serialize(eventName)},{jsonArgument}]");
}
