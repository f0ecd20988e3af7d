using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Herald.Domain;

namespace Herald.Engine;

/// <summary>
/// Reads the body of <c>POST /api/v1/events</c> (an array of events or one object) straight off UTF-8
/// with <see cref="Utf8JsonReader"/>, and judges each event alone: a bad event becomes a rejection with
/// its index and reason, the others go on. No reflection, no intermediate DOM.
/// </summary>
public static class EventParser
{
    public const int MaxIdLength = Identifier.MaxLength;
    public const int MaxDimensionLength = Identifier.MaxDimensionLength;
    public const int MaxTextLength = 4096;
    public const int MaxMetadataLength = 16_384;
    /// <summary>The largest cost one event may carry, so that every sum of costs stays a finite number.</summary>
    public const double MaxCost = 1e9;
    private static readonly DateTimeOffset Earliest = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public sealed class Result
    {
        public List<(int Index, IncomingEvent Event)> Valid { get; } = new();
        public List<(int Index, string Error)> Rejected { get; } = new();
        public int Count { get; set; }
    }

    private static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 32 };

    /// <summary>
    /// Parses the whole body (valid UTF-8: the caller checks). Throws <see cref="JsonException"/> when it is not JSON, or
    /// not an array/object.
    /// </summary>
    public static Result Parse(in ReadOnlySequence<byte> json, DateTimeOffset now, int maxEvents)
    {
        var reader = new Utf8JsonReader(json, ReaderOptions);
        return Parse(ref reader, now, maxEvents);
    }

    private static Result Parse(ref Utf8JsonReader reader, DateTimeOffset now, int maxEvents)
    {
        var result = new Result();
        if (!reader.Read()) throw new JsonException("the body is empty");
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            ParseOne(ref reader, 0, now, result);
            result.Count = 1;
        }
        else if (reader.TokenType == JsonTokenType.StartArray)
        {
            int index = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (index >= maxEvents) throw new TooManyEventsException(maxEvents);
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    result.Rejected.Add((index, "an event must be a JSON object"));
                    reader.Skip();
                }
                else
                {
                    ParseOne(ref reader, index, now, result);
                }
                index++;
            }
            result.Count = index;
        }
        else
        {
            throw new JsonException("the body must be a JSON array of events or one event object");
        }
        if (reader.Read()) throw new JsonException("unexpected data after the events");
        return result;
    }

    private static void ParseOne(ref Utf8JsonReader reader, int index, DateTimeOffset now, Result result)
    {
        var f = new Fields();
        string? error = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            string? name = TryGetString(ref reader);
            reader.Read();
            if (error is not null || name is null)
            {
                error ??= LoneSurrogate("a field name");
                reader.Skip();
                continue;
            }
            error = ReadField(ref reader, name, ref f);
            if (error is not null && reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
        }
        error ??= Validate(ref f, now);
        if (error is not null)
        {
            result.Rejected.Add((index, error));
            return;
        }
        result.Valid.Add((index, new IncomingEvent
        {
            EventId = f.EventId,
            ItemId = f.ItemId!,
            Kind = f.Kind,
            Status = f.Status,
            OccurredAtMs = f.OccurredAtMs,
            Account = f.Account,
            Channel = f.Channel,
            Provider = f.Provider,
            Route = f.Route,
            Campaign = f.Campaign,
            Recipient = f.Recipient,
            Country = f.Country,
            Direction = f.Direction,
            Agent = f.Agent,
            Template = f.Template,
            ErrorCode = f.ErrorCode,
            ErrorMessage = f.ErrorMessage,
            Cost = f.Cost,
            Attempt = f.Attempt,
            Text = f.Text,
            MetadataJson = f.MetadataJson,
        }));
    }

    private struct Fields
    {
        public string? EventId, ItemId, KindText, StatusText, OccurredAtText, Account, Channel, Provider, Route, Campaign,
            Recipient, Country, Direction, Agent, Template, ErrorCode, ErrorMessage, Text, MetadataJson;
        public double? Cost;
        public int? Attempt;
        public ItemKind? Kind;
        public Status Status;
        public long OccurredAtMs;
    }

    private static string? ReadField(ref Utf8JsonReader reader, string name, ref Fields f)
    {
        switch (name)
        {
            case "event_id": return ReadString(ref reader, name, MaxIdLength, out f.EventId);
            case "item_id": return ReadString(ref reader, name, MaxIdLength, out f.ItemId);
            case "kind": return ReadString(ref reader, name, 16, out f.KindText);
            case "status": return ReadString(ref reader, name, 32, out f.StatusText);
            case "occurred_at": return ReadString(ref reader, name, 64, out f.OccurredAtText);
            case "account": return ReadString(ref reader, name, MaxDimensionLength, out f.Account);
            case "channel": return ReadString(ref reader, name, 16, out f.Channel);
            case "provider": return ReadString(ref reader, name, MaxDimensionLength, out f.Provider);
            case "route": return ReadString(ref reader, name, MaxDimensionLength, out f.Route);
            case "campaign": return ReadString(ref reader, name, MaxDimensionLength, out f.Campaign);
            case "recipient": return ReadString(ref reader, name, MaxDimensionLength, out f.Recipient);
            case "country": return ReadString(ref reader, name, 2, out f.Country);
            case "direction": return ReadString(ref reader, name, 16, out f.Direction);
            case "agent": return ReadString(ref reader, name, MaxDimensionLength, out f.Agent);
            case "template": return ReadString(ref reader, name, MaxDimensionLength, out f.Template);
            case "error_code": return ReadString(ref reader, name, 64, out f.ErrorCode);
            case "error_message": return ReadString(ref reader, name, 1024, out f.ErrorMessage);
            case "text": return ReadString(ref reader, name, MaxTextLength, out f.Text);
            case "cost":
                if (reader.TokenType == JsonTokenType.Null) return null;
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out double cost) || !double.IsFinite(cost) || cost < 0 || cost > MaxCost)
                    return $"cost must be a number from 0 to {MaxCost:0}";
                f.Cost = cost;
                return null;
            case "attempt":
                if (reader.TokenType == JsonTokenType.Null) return null;
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int attempt) || attempt < 1 || attempt > 1000)
                    return "attempt must be an integer from 1 to 1000";
                f.Attempt = attempt;
                return null;
            case "metadata":
                if (reader.TokenType == JsonTokenType.Null) return null;
                if (reader.TokenType != JsonTokenType.StartObject) return "metadata must be a JSON object";
                long start = reader.TokenStartIndex;
                var copy = reader;
                reader.Skip();
                long length = reader.BytesConsumed - start;
                if (length > MaxMetadataLength) return $"metadata must be at most {MaxMetadataLength} bytes";
                if (!EscapesAreText(copy)) return LoneSurrogate("metadata");
                f.MetadataJson = RawObject(copy);
                return null;
            default:
                reader.Skip();
                return null;
        }
    }

    private static string RawObject(Utf8JsonReader reader)
    {
        using var doc = JsonDocument.ParseValue(ref reader);
        return doc.RootElement.GetRawText();
    }

    internal static string LoneSurrogate(string what) =>
        $"{what} holds an escaped lone UTF-16 surrogate (like \\ud800), which is no character";

    /// <summary>The string at the reader, or null when its escapes name no text (a lone surrogate).</summary>
    private static string? TryGetString(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString();
        }
        catch (InvalidOperationException) when (reader.ValueIsEscaped)
        {
            return null;
        }
    }

    /// <summary>Whether every escaped name and string of the object at <paramref name="reader"/> is text.</summary>
    private static bool EscapesAreText(Utf8JsonReader reader)
    {
        int depth = reader.CurrentDepth;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped && TryGetString(ref reader) is null)
                return false;
        }
        return true;
    }

    private static string? ReadString(ref Utf8JsonReader reader, string name, int maxLength, out string? value)
    {
        value = null;
        if (reader.TokenType == JsonTokenType.Null) return null;
        if (reader.TokenType != JsonTokenType.String) return $"{name} must be a string";
        value = TryGetString(ref reader);
        if (value is null) return LoneSurrogate(name);
        var issue = name is "text" or "error_message" ? Identifier.LengthProblem(value, maxLength) : Identifier.Problem(value, maxLength);
        return issue is null ? null : $"{name} {issue}";
    }

    private static string? Validate(ref Fields f, DateTimeOffset now)
    {
        if (f.ItemId is null) return "item_id is required";
        if (f.StatusText is null) return "status is required";
        if (f.OccurredAtText is null) return "occurred_at is required";
        if (f.KindText is not null)
        {
            if (!ItemKinds.TryParse(f.KindText, out var kind)) return $"kind '{f.KindText}' is not one of message, otp, call, parcel";
            f.Kind = kind;
        }
        if (!Statuses.TryParse(f.StatusText, out f.Status)) return $"status '{f.StatusText}' is not a known status";
        if (f.Kind is { } k && !StatusLattice.Allows(k, f.Status))
            return $"status '{f.StatusText}' is not a status of kind '{f.KindText}' (allowed: {string.Join(", ", StatusLattice.StatusesOf(k).Select(Statuses.Name))})";
        if (!TryParseRfc3339(f.OccurredAtText, out var at)) return "occurred_at must be an RFC 3339 timestamp with a time zone, like 2026-11-22T10:15:30Z";
        if (at < Earliest) return "occurred_at must not be before 2000-01-01";
        if (at > now.AddDays(1)) return "occurred_at must not be more than 24 hours in the future";
        f.OccurredAtMs = at.ToUnixTimeMilliseconds();
        if (f.Channel is not null && Array.IndexOf(Dimensions.Channels, f.Channel) < 0)
            return $"channel '{f.Channel}' is not one of {string.Join(", ", Dimensions.Channels)}";
        if (f.Direction is not null && Array.IndexOf(Dimensions.Directions, f.Direction) < 0)
            return $"direction '{f.Direction}' is not one of outbound, inbound";
        if (f.Country is not null)
        {
            if (f.Country.Length != 2 || !char.IsAsciiLetter(f.Country[0]) || !char.IsAsciiLetter(f.Country[1]))
                return "country must be an ISO 3166 alpha-2 code like US";
            f.Country = f.Country.ToUpperInvariant();
        }
        else
        {
            f.Country = CallingCodes.CountryOf(f.Recipient);
        }
        if (f.EventId is not null && f.EventId.StartsWith(Storage.EventKeys.SyntheticPrefix, StringComparison.Ordinal))
            return "event_id must not contain control characters";
        return null;
    }

    /// <summary>RFC 3339: a date, 'T' (or a space), a time, and Z or a numeric offset.</summary>
    public static bool TryParseRfc3339(string text, out DateTimeOffset value)
    {
        value = default;
        if (text.Length < 20 || (text[10] != 'T' && text[10] != 't' && text[10] != ' ')) return false;
        char last = text[^1];
        bool zone = last is 'Z' or 'z' || (text.Length >= 25 && text[^3] == ':' && (text[^6] == '+' || text[^6] == '-'));
        if (!zone) return false;
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out value);
    }

    /// <summary>
    /// RFC 3339 in UTC: <c>2026-11-22T10:00:04Z</c>, or <c>2026-11-22T10:00:04.200Z</c> with milliseconds. Built on the
    /// sortable format's fast path: exports write millions of these, and a custom format string costs several times more.
    /// </summary>
    public static string FormatTimestamp(long unixMs) => string.Create(unixMs % 1000 == 0 ? 20 : 24, unixMs, static (text, ms) =>
    {
        DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.TryFormat(text, out _, "s", CultureInfo.InvariantCulture); // yyyy-MM-ddTHH:mm:ss
        if (text.Length == 24)
        {
            int fraction = (int)((ms % 1000 + 1000) % 1000);
            text[19] = '.';
            text[20] = (char)('0' + fraction / 100);
            text[21] = (char)('0' + fraction / 10 % 10);
            text[22] = (char)('0' + fraction % 10);
        }
        text[^1] = 'Z';
    });
}

public sealed class TooManyEventsException(int max) : Exception($"a request may carry at most {max} events")
{
    public int Max { get; } = max;
}
