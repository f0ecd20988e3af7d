using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Herald.Domain;

namespace Herald.Simulation;

/// <summary>
/// Serializes events into the JSON array that <c>POST /api/v1/events</c> takes (snake_case, null fields
/// omitted, occurred_at as RFC 3339 UTC with milliseconds). Reflection-free and reusing one buffer, so the
/// simulator can feed the server at benchmark rates. An instance is not thread-safe: use one per sender slot.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Pooled for the sender's lifetime; its JSON writer wraps a managed buffer and holds no unmanaged resource.")]
public sealed class EventJsonWriter
{
    private static readonly JsonWriterOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // a request body, never embedded in HTML
        SkipValidation = true,
    };

    private static readonly JsonEncodedText EventId = JsonEncodedText.Encode("event_id");
    private static readonly JsonEncodedText ItemId = JsonEncodedText.Encode("item_id");
    private static readonly JsonEncodedText Kind = JsonEncodedText.Encode("kind");
    private static readonly JsonEncodedText StatusName = JsonEncodedText.Encode("status");
    private static readonly JsonEncodedText OccurredAt = JsonEncodedText.Encode("occurred_at");
    private static readonly JsonEncodedText Account = JsonEncodedText.Encode("account");
    private static readonly JsonEncodedText Channel = JsonEncodedText.Encode("channel");
    private static readonly JsonEncodedText Provider = JsonEncodedText.Encode("provider");
    private static readonly JsonEncodedText Route = JsonEncodedText.Encode("route");
    private static readonly JsonEncodedText Campaign = JsonEncodedText.Encode("campaign");
    private static readonly JsonEncodedText Recipient = JsonEncodedText.Encode("recipient");
    private static readonly JsonEncodedText Country = JsonEncodedText.Encode("country");
    private static readonly JsonEncodedText Direction = JsonEncodedText.Encode("direction");
    private static readonly JsonEncodedText ErrorCode = JsonEncodedText.Encode("error_code");
    private static readonly JsonEncodedText ErrorMessage = JsonEncodedText.Encode("error_message");
    private static readonly JsonEncodedText Cost = JsonEncodedText.Encode("cost");
    private static readonly JsonEncodedText Attempt = JsonEncodedText.Encode("attempt");
    private static readonly JsonEncodedText Text = JsonEncodedText.Encode("text");
    private static readonly JsonEncodedText Metadata = JsonEncodedText.Encode("metadata");

    private static readonly JsonEncodedText[] KindValues = BuildKindValues();
    private static readonly JsonEncodedText[] StatusValues = BuildStatusValues();

    private readonly ArrayBufferWriter<byte> _buffer;
    private readonly Utf8JsonWriter _writer;

    public EventJsonWriter(int initialCapacity = 64 * 1024)
    {
        _buffer = new ArrayBufferWriter<byte>(initialCapacity);
        _writer = new Utf8JsonWriter(_buffer, Options);
    }

    /// <summary>Writes the events as one JSON array. The result is valid until the next call on this instance.</summary>
    public ReadOnlyMemory<byte> Write(IReadOnlyList<IncomingEvent> events)
    {
        Reset();
        _writer.WriteStartArray();
        for (int i = 0; i < events.Count; i++) WriteEvent(_writer, events[i]);
        _writer.WriteEndArray();
        _writer.Flush();
        return _buffer.WrittenMemory;
    }

    /// <summary>Writes the events of a simulated batch (all teams) as one JSON array; valid until the next call.</summary>
    public ReadOnlyMemory<byte> Write(IReadOnlyList<SimulatedEvent> events)
    {
        Reset();
        _writer.WriteStartArray();
        for (int i = 0; i < events.Count; i++) WriteEvent(_writer, events[i].Event);
        _writer.WriteEndArray();
        _writer.Flush();
        return _buffer.WrittenMemory;
    }

    /// <summary>Writes one event as a JSON object.</summary>
    public static void WriteEvent(Utf8JsonWriter writer, IncomingEvent e)
    {
        writer.WriteStartObject();
        if (e.EventId is not null) writer.WriteString(EventId, e.EventId);
        writer.WriteString(ItemId, e.ItemId);
        if (e.Kind is { } kind) writer.WriteString(Kind, KindValues[(int)kind]);
        writer.WriteString(StatusName, StatusValues[(int)e.Status]);
        Span<byte> time = stackalloc byte[TimestampLength];
        writer.WriteString(OccurredAt, time[..FormatTimestamp(e.OccurredAtMs, time)]);
        if (e.Account is not null) writer.WriteString(Account, e.Account);
        if (e.Channel is not null) writer.WriteString(Channel, e.Channel);
        if (e.Provider is not null) writer.WriteString(Provider, e.Provider);
        if (e.Route is not null) writer.WriteString(Route, e.Route);
        if (e.Campaign is not null) writer.WriteString(Campaign, e.Campaign);
        if (e.Recipient is not null) writer.WriteString(Recipient, e.Recipient);
        if (e.Country is not null) writer.WriteString(Country, e.Country);
        if (e.Direction is not null) writer.WriteString(Direction, e.Direction);
        if (e.ErrorCode is not null) writer.WriteString(ErrorCode, e.ErrorCode);
        if (e.ErrorMessage is not null) writer.WriteString(ErrorMessage, e.ErrorMessage);
        if (e.Cost is { } cost) writer.WriteNumber(Cost, cost);
        if (e.Attempt is { } attempt) writer.WriteNumber(Attempt, attempt);
        if (e.Text is not null) writer.WriteString(Text, e.Text);
        if (e.MetadataJson is not null)
        {
            writer.WritePropertyName(Metadata);
            writer.WriteRawValue(e.MetadataJson, skipInputValidation: false);
        }
        writer.WriteEndObject();
    }

    /// <summary>Length of "yyyy-MM-ddTHH:mm:ss.fffZ" for years 0000-9999.</summary>
    public const int TimestampLength = 24;

    /// <summary>
    /// Formats Unix milliseconds as RFC 3339 UTC with milliseconds ("2026-11-22T10:15:30.123Z") in ASCII;
    /// returns the bytes written (24). The destination must hold <see cref="TimestampLength"/> bytes.
    /// </summary>
    public static int FormatTimestamp(long unixMs, Span<byte> destination)
    {
        long days = Math.DivRem(unixMs, 86_400_000L, out long msOfDay);
        if (msOfDay < 0)
        {
            msOfDay += 86_400_000L;
            days--;
        }

        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        long z = days + 719_468;
        long era = (z >= 0 ? z : z - 146_096) / 146_097;
        long doe = z - era * 146_097;
        long yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        long year = yoe + era * 400;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        long day = doy - (153 * mp + 2) / 5 + 1;
        long month = mp < 10 ? mp + 3 : mp - 9;
        if (month <= 2) year++;

        int ms = (int)(msOfDay % 1000);
        int seconds = (int)(msOfDay / 1000);
        int hour = seconds / 3600;
        int minute = seconds / 60 % 60;
        int second = seconds % 60;

        var d = destination[..TimestampLength];
        Digits4(d, 0, (int)year);
        d[4] = (byte)'-';
        Digits2(d, 5, (int)month);
        d[7] = (byte)'-';
        Digits2(d, 8, (int)day);
        d[10] = (byte)'T';
        Digits2(d, 11, hour);
        d[13] = (byte)':';
        Digits2(d, 14, minute);
        d[16] = (byte)':';
        Digits2(d, 17, second);
        d[19] = (byte)'.';
        d[20] = (byte)('0' + ms / 100);
        d[21] = (byte)('0' + ms / 10 % 10);
        d[22] = (byte)('0' + ms % 10);
        d[23] = (byte)'Z';
        return TimestampLength;
    }

    private void Reset()
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
    }

    private static void Digits2(Span<byte> d, int at, int value)
    {
        d[at] = (byte)('0' + value / 10);
        d[at + 1] = (byte)('0' + value % 10);
    }

    private static void Digits4(Span<byte> d, int at, int value)
    {
        d[at] = (byte)('0' + value / 1000 % 10);
        d[at + 1] = (byte)('0' + value / 100 % 10);
        d[at + 2] = (byte)('0' + value / 10 % 10);
        d[at + 3] = (byte)('0' + value % 10);
    }

    private static JsonEncodedText[] BuildKindValues()
    {
        var values = new JsonEncodedText[5];
        for (int k = 0; k < values.Length; k++) values[k] = JsonEncodedText.Encode(ItemKinds.Name((ItemKind)k));
        return values;
    }

    private static JsonEncodedText[] BuildStatusValues()
    {
        var values = new JsonEncodedText[Statuses.CodeLimit];
        for (int s = 0; s < values.Length; s++) values[s] = JsonEncodedText.Encode(Statuses.Name(s));
        return values;
    }
}
