namespace Herald.Realtime.SocketIo;

/// <summary>The Engine.IO v4 packet types: the digit every packet starts with.</summary>
public enum EngineIoPacketType
{
    Open = 0,
    Close = 1,
    Ping = 2,
    Pong = 3,
    Message = 4,
    Upgrade = 5,
    Noop = 6,
}

/// <summary>
/// One Engine.IO packet. Text packets are <c>&lt;type digit&gt;[data]</c>; a binary message is a WebSocket binary frame
/// as is, or <c>b&lt;base64&gt;</c> in a long-polling payload, whose packets are joined by the record separator <c>\x1e</c>.
/// </summary>
public readonly record struct EngineIoPacket(EngineIoPacketType Type, string Text, byte[]? Binary = null)
{
    public const char RecordSeparator = '\u001e';

    public bool IsBinary => Binary is not null;

    public static EngineIoPacket Of(EngineIoPacketType type, string text = "") => new(type, text);

    public string Encode() => (char)('0' + (int)Type) + Text;

    /// <summary>A text packet (a WebSocket text frame, or one packet of a polling payload without the <c>b</c> prefix).</summary>
    public static bool TryParseText(string text, out EngineIoPacket packet)
    {
        packet = default;
        if (text.Length == 0 || text[0] < '0' || text[0] > '6') return false;
        packet = new EngineIoPacket((EngineIoPacketType)(text[0] - '0'), text[1..]);
        return true;
    }

    /// <summary>One packet of a long-polling payload: a text packet, or <c>b</c> and a base64 binary message.</summary>
    public static bool TryParsePolling(string text, out EngineIoPacket packet)
    {
        if (text.Length > 0 && text[0] == 'b')
        {
            packet = default;
            var bytes = new byte[text.Length * 3 / 4 + 3];
            if (!Convert.TryFromBase64Chars(text.AsSpan(1), bytes, out int written)) return false;
            packet = new EngineIoPacket(EngineIoPacketType.Message, "", bytes[..written]);
            return true;
        }
        return TryParseText(text, out packet);
    }

    public static string JoinPayload(IEnumerable<string> encodedPackets) => string.Join(RecordSeparator, encodedPackets);
}
