using System.Buffers;
using System.Text;
using System.Text.Json;
using Herald.Domain;
using Herald.Engine;

namespace Herald.Webhooks;

/// <summary>
/// Dimensions the webhook URL may fill or override through query parameters (<c>?provider=&amp;account=&amp;route=&amp;campaign=</c>),
/// and for SMPP the recipient (<c>?to=</c>). Null means the mapper's own value.
/// </summary>
public sealed record WebhookOverrides(string? Provider = null, string? Account = null, string? Route = null, string? Campaign = null, string? To = null)
{
    public static readonly WebhookOverrides None = new();
}

/// <summary>
/// What a mapper made of one callback: the events to ingest (and the entries it refused alone, the others going on), or
/// what is wrong with the whole of it (answered 400, nothing stored), or that it carries more events than a request may.
/// </summary>
public sealed class WebhookParse
{
    private static readonly IReadOnlyList<(int, string)> NoneRejected = [];

    private WebhookParse(IReadOnlyList<IncomingEvent> events, IReadOnlyList<int>? sources, IReadOnlyList<(int, string)> rejected, string? field, string? issue)
    {
        Events = events;
        Sources = sources;
        Rejected = rejected;
        Field = field;
        Issue = issue;
    }

    public IReadOnlyList<IncomingEvent> Events { get; }
    /// <summary>Where each event stood in the callback (its index there), when not at its own index.</summary>
    public IReadOnlyList<int>? Sources { get; }
    /// <summary>Entries of the callback refused alone: their index in the callback and why.</summary>
    public IReadOnlyList<(int Index, string Error)> Rejected { get; }
    public string? Field { get; }
    public string? Issue { get; }
    public bool IsError => Issue is not null;
    public bool IsTooMany => ReferenceEquals(this, TooMany);

    public int SourceOf(int eventIndex) => Sources?[eventIndex] ?? eventIndex;

    public static WebhookParse Ok(IReadOnlyList<IncomingEvent> events) => new(events, null, NoneRejected, null, null);

    public static WebhookParse Ok(IReadOnlyList<IncomingEvent> events, IReadOnlyList<int> sources, IReadOnlyList<(int, string)> rejected) =>
        new(events, sources, rejected, null, null);

    public static WebhookParse Nothing { get; } = new([], null, NoneRejected, null, null);

    /// <summary>More events than <see cref="IngestOptions.MaxEventsPerRequest"/>: answered 413, nothing stored.</summary>
    public static WebhookParse TooMany { get; } = new([], null, NoneRejected, null, null);

    public static WebhookParse Fail(string field, string issue) => new([], null, NoneRejected, field, issue);
}

/// <summary>
/// Collects the events a JSON callback maps to, each with its index in the callback, up to the per-request limit. An
/// entry whose text cannot be read (an escaped lone surrogate) is refused alone; one outside any entry fails the callback.
/// </summary>
internal sealed class WebhookEventList(int maxEvents)
{
    private readonly List<IncomingEvent> _events = new();
    private readonly List<int> _sources = new();
    private readonly List<(int, string)> _rejected = new();

    public bool IsFull => _events.Count > maxEvents;

    /// <summary>Maps the entry at <paramref name="index"/> of the callback (null: nothing to record, not an error).</summary>
    public void Add<TState>(int index, JsonElement entry, TState state, Func<JsonElement, TState, IncomingEvent?> map)
    {
        if (IsFull) return;
        try
        {
            if (map(entry, state) is not { } e) return;
            _events.Add(e);
            _sources.Add(index);
        }
        catch (InvalidOperationException)
        {
            _rejected.Add((index, EventParser.LoneSurrogate("the entry")));
        }
    }

    public WebhookParse Result() => IsFull ? WebhookParse.TooMany : WebhookParse.Ok(_events, _sources, _rejected);

    /// <summary>Runs a mapper over a callback, failing it when text outside every entry cannot be read.</summary>
    public static WebhookParse Guard(Func<WebhookParse> map)
    {
        try
        {
            return map();
        }
        catch (InvalidOperationException)
        {
            return WebhookParse.Fail("body", EventParser.LoneSurrogate("a name or value outside any entry"));
        }
    }
}

/// <summary>Small helpers the mappers share: the same limits and cleaning <see cref="EventParser"/> applies to API events.</summary>
internal static class WebhookText
{
    private static readonly long EarliestMs = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private const long DayMs = 86_400_000;

    /// <summary>Trimmed, control characters dropped, cut to <paramref name="max"/>; null when nothing is left.</summary>
    public static string? Clean(string? value, int max = EventParser.MaxDimensionLength)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        value = value.Trim();
        bool control = false;
        foreach (char c in value)
            if (char.IsControl(c)) { control = true; break; }
        if (control)
        {
            var sb = new StringBuilder(value.Length);
            foreach (char c in value)
                if (!char.IsControl(c)) sb.Append(c);
            value = sb.ToString();
        }
        if (value.Length > max) value = value[..max];
        return value.Length == 0 ? null : value;
    }

    /// <summary>Free text (a message body, an error message): control characters kept, only cut to length.</summary>
    public static string? Text(string? value, int max)
    {
        if (string.IsNullOrEmpty(value)) return null;
        return value.Length > max ? value[..max] : value;
    }

    /// <summary>A provider's time when it is plausible (after 2000, at most a day ahead), else the time Herald received it.</summary>
    public static long Plausible(long? ms, long nowMs) => ms is { } v && v >= EarliestMs && v <= nowMs + DayMs ? v : nowMs;

    public static bool IsPlausible(long ms, long nowMs) => ms >= EarliestMs && ms <= nowMs + DayMs;

    /// <summary>A flat JSON object of the non-null values (strings, numbers, booleans), or null when all are null.</summary>
    public static string? Metadata(params (string Name, object? Value)[] fields)
    {
        bool any = false;
        foreach (var (_, v) in fields) any |= v is not null;
        if (!any) return null;
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            foreach (var (name, value) in fields)
            {
                switch (value)
                {
                    case null: break;
                    case string s: w.WriteString(name, s); break;
                    case bool b: w.WriteBoolean(name, b); break;
                    case int i: w.WriteNumber(name, i); break;
                    case long l: w.WriteNumber(name, l); break;
                    case double d: w.WriteNumber(name, d); break;
                    default: w.WriteString(name, value.ToString()); break;
                }
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static int? Int(string? value) =>
        int.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int v) ? v : null;

    /// <summary>An attempt number the API would accept (1 to 1000), else null.</summary>
    public static int? Attempt(string? value) => Int(value) is { } a and >= 1 and <= 1000 ? a : null;

    public static string? CountryOf(string? recipient) => CallingCodes.CountryOf(recipient);
}

/// <summary>An <c>application/x-www-form-urlencoded</c> body in the order sent (Twilio signs every parameter, repeated ones included).</summary>
public sealed class WebhookForm
{
    public WebhookForm(IReadOnlyList<KeyValuePair<string, string>> pairs) => Pairs = pairs;

    public IReadOnlyList<KeyValuePair<string, string>> Pairs { get; }

    /// <summary>The first value of the field, or null when absent or empty.</summary>
    public string? Get(string name)
    {
        foreach (var (k, v) in Pairs)
            if (k == name) return v.Length == 0 ? null : v;
        return null;
    }

    public IEnumerable<string> GetAll(string name)
    {
        foreach (var (k, v) in Pairs)
            if (k == name) yield return v;
    }

    public static WebhookForm Parse(in ReadOnlySequence<byte> body) => Parse(Encoding.UTF8.GetString(body));

    public static WebhookForm Parse(string text)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var part in text.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=');
            string key = Decode(eq < 0 ? part : part[..eq]);
            string value = eq < 0 ? "" : Decode(part[(eq + 1)..]);
            if (key.Length > 0) pairs.Add(new(key, value));
        }
        return new WebhookForm(pairs);
    }

    public static WebhookForm Of(params (string Key, string Value)[] pairs) =>
        new(pairs.Select(p => new KeyValuePair<string, string>(p.Key, p.Value)).ToList());

    private static string Decode(string s) => Uri.UnescapeDataString(s.Replace('+', ' '));
}
