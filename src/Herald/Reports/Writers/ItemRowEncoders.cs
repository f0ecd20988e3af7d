using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Herald.Analytics.Items;
using Herald.Storage;

namespace Herald.Reports.Writers;

/// <summary>
/// Writes an item export's rows (<see cref="ItemColumns"/>) as CSV or NDJSON bytes straight from an item's stored columns
/// (<see cref="ItemFields"/>): byte for byte what <see cref="CsvTableWriter"/> and <see cref="NdjsonTableWriter"/> write of
/// <see cref="ItemColumns.Values"/>, without an object, a string or a boxed number per row. What repeats is encoded once
/// per encoder: a team's id, the kind, status and outcome words, each dimension set's nine cells, a day's date, a cost.
/// An encoder is one thread's.
/// </summary>
public abstract class ItemRowEncoder
{
    private const long DayMs = 86_400_000;
    // Room for a row's parts other than its item id, recipient and error code (which take at most 6 bytes a byte, escaped).
    private const int FixedRowBytes = 1024;
    private const int MaxCachedCosts = 4096;
    private readonly ItemRows _rows;
    private readonly Dictionary<int, byte[]> _teams = new();
    private readonly Dictionary<int, byte[]> _sets = new();
    private readonly Dictionary<int, byte[]> _states = new();
    private readonly Dictionary<long, byte[]> _costs = new();
    private readonly byte[] _date = new byte[11]; // yyyy-MM-ddT of _day
    private long _day = long.MinValue;

    private protected ItemRowEncoder(ItemRows rows) => _rows = rows;

    /// <summary>An encoder for <paramref name="format"/>, or null when that format is written from cells (xlsx).</summary>
    public static ItemRowEncoder? For(string format, ItemRows rows) => format switch
    {
        TableRowWriters.Csv => new CsvItemRowEncoder(rows),
        TableRowWriters.Ndjson => new NdjsonItemRowEncoder(rows),
        _ => null,
    };

    public static bool Encodes(string format) => format is TableRowWriters.Csv or TableRowWriters.Ndjson;

    /// <summary>What the file starts with: the CSV header row, nothing for NDJSON.</summary>
    public abstract byte[] Header();

    /// <summary>Appends the item's row to <paramref name="output"/>.</summary>
    public void Write(in ItemFields item, IBufferWriter<byte> output)
    {
        var team = Cached(_teams, item.TeamId, static (e, id) => e.Cells([("team", e._rows.TeamOf(id))]));
        var states = Cached(_states, item.Kind << 16 | item.Status, static (e, key) =>
        {
            var (kind, status, outcome) = ItemRows.Names(key >> 16, key & 0xFFFF);
            return e.Cells([("kind", kind), ("status", status), ("outcome", outcome)]);
        });
        var dimensions = Cached(_sets, item.DimensionSetId, static (e, id) =>
        {
            var d = e._rows.DimensionsOf(id);
            return e.Cells([("account", d.Account), ("channel", d.Channel), ("provider", d.Provider), ("route", d.Route), ("campaign", d.Campaign),
                ("country", d.Country), ("direction", d.Direction), ("agent", d.Agent), ("template", d.Template)]);
        });
        int most = FixedRowBytes + team.Length + states.Length + dimensions.Length + 6 * (item.ItemId.Length + item.Recipient.Length + item.ErrorCode.Length);
        var span = output.GetSpan(most);
        int n = Row(item, team, states, dimensions, span);
        output.Advance(n);
    }

    /// <summary>Writes the row into <paramref name="to"/> (room enough) from the cached cells; answers its length.</summary>
    private protected abstract int Row(in ItemFields item, ReadOnlySpan<byte> team, ReadOnlySpan<byte> states, ReadOnlySpan<byte> dimensions, Span<byte> to);

    /// <summary>Named text cells as they sit in a row, joined (without a separator before the first or after the last).</summary>
    private protected abstract byte[] Cells(IReadOnlyList<(string Name, string? Value)> cells);

    /// <summary>A double as the writer of cells writes it (the CSV's text, the JSON's number).</summary>
    private protected abstract int Number(double value, Span<byte> to);

    private byte[] Cached(Dictionary<int, byte[]> cache, int key, Func<ItemRowEncoder, int, byte[]> make)
    {
        if (!cache.TryGetValue(key, out var bytes)) cache[key] = bytes = make(this, key);
        return bytes;
    }

    /// <summary>The cost to 6 decimals, as <see cref="ItemRows"/> rounds it; costs repeat, so their text is kept (up to a bound).</summary>
    private protected int Cost(double cost, Span<byte> to)
    {
        double rounded = Math.Round(cost, 6);
        long key = BitConverter.DoubleToInt64Bits(rounded);
        if (!_costs.TryGetValue(key, out var text))
        {
            int n = Number(rounded, to);
            if (_costs.Count < MaxCachedCosts) _costs[key] = to[..n].ToArray();
            return n;
        }
        text.CopyTo(to);
        return text.Length;
    }

    /// <summary>Latency in ms as seconds: the decimal ms / 1000 (what "0.######" and the shortest round trip both write of it), else as a double.</summary>
    private protected int Seconds(long ms, Span<byte> to)
    {
        // ms / 1000.0 has at most 13 significant digits below this, so both formats write its decimal digits exactly.
        if (ms is < 0 or >= 1_000_000_000_000) return Number(ms / 1000.0, to);
        Utf8Formatter.TryFormat(ms / 1000, to, out int n);
        int fraction = (int)(ms % 1000);
        if (fraction == 0) return n;
        to[n++] = (byte)'.';
        to[n++] = (byte)('0' + fraction / 100);
        if (fraction % 100 != 0) to[n++] = (byte)('0' + fraction / 10 % 10);
        if (fraction % 10 != 0) to[n++] = (byte)('0' + fraction % 10);
        return n;
    }

    /// <summary>An instant as the API writes it (<see cref="Engine.EventParser.FormatTimestamp"/>): yyyy-MM-ddTHH:mm:ss, .fff unless whole, Z.</summary>
    private protected int Timestamp(long ms, Span<byte> to)
    {
        long day = Math.DivRem(ms, DayMs, out long inDay);
        if (inDay < 0)
        {
            day--;
            inDay += DayMs;
        }
        if (day != _day)
        {
            Span<char> text = stackalloc char[32];
            DateTimeOffset.FromUnixTimeMilliseconds(day * DayMs).UtcDateTime.TryFormat(text, out _, "s", CultureInfo.InvariantCulture);
            for (int i = 0; i < _date.Length; i++) _date[i] = (byte)text[i];
            _day = day;
        }
        _date.CopyTo(to);
        int seconds = (int)(inDay / 1000), fraction = (int)(inDay % 1000);
        TwoDigits(seconds / 3600, to[11..]);
        to[13] = (byte)':';
        TwoDigits(seconds / 60 % 60, to[14..]);
        to[16] = (byte)':';
        TwoDigits(seconds % 60, to[17..]);
        int n = 19;
        if (fraction != 0)
        {
            to[n++] = (byte)'.';
            to[n++] = (byte)('0' + fraction / 100);
            to[n++] = (byte)('0' + fraction / 10 % 10);
            to[n++] = (byte)('0' + fraction % 10);
        }
        to[n++] = (byte)'Z';
        return n;
    }

    private static void TwoDigits(int value, Span<byte> to)
    {
        to[0] = (byte)('0' + value / 10);
        to[1] = (byte)('0' + value % 10);
    }

    private protected static int Integer(long value, Span<byte> to)
    {
        Utf8Formatter.TryFormat(value, to, out int n);
        return n;
    }

    private protected static int Put(ReadOnlySpan<byte> bytes, Span<byte> to)
    {
        bytes.CopyTo(to);
        return bytes.Length;
    }

    /// <summary>
    /// The stored text as the string the cell writers were given: valid UTF-8 as it is, anything else as decoding it to a
    /// string (invalid sequences become U+FFFD) and encoding that again does.
    /// </summary>
    private protected static ReadOnlySpan<byte> AsDecoded(ReadOnlySpan<byte> utf8) =>
        Utf8.IsValid(utf8) ? utf8 : Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(utf8));
}

/// <summary>
/// CSV rows as <see cref="CsvTableWriter"/> writes them through CsvHelper: text made inert (<see cref="ReportValues.Inert"/>),
/// quoted (quotes doubled) when it holds a comma, a quote, CR or LF, null as an empty cell, numbers in invariant culture
/// ("0.######" for doubles), CRLF after each row.
/// </summary>
public sealed class CsvItemRowEncoder(ItemRows rows) : ItemRowEncoder(rows)
{
    private static readonly SearchValues<byte> NeedsQuotes = SearchValues.Create(",\"\r\n"u8);
    private static readonly SearchValues<char> NeedsQuotesText = SearchValues.Create(",\"\r\n");

    public override byte[] Header() => Encoding.UTF8.GetBytes(string.Join(',', ItemColumns.All.Select(c => Field(c.Name))) + "\r\n");

    private protected override int Row(in ItemFields item, ReadOnlySpan<byte> team, ReadOnlySpan<byte> states, ReadOnlySpan<byte> dimensions, Span<byte> to)
    {
        int n = Text(AsDecoded(item.ItemId), to);
        to[n++] = (byte)',';
        n += Put(team, to[n..]);
        to[n++] = (byte)',';
        n += Put(states, to[n..]);
        to[n++] = (byte)',';
        n += Timestamp(item.StatusAtMs, to[n..]);
        to[n++] = (byte)',';
        n += Timestamp(item.EarliestAtMs, to[n..]);
        to[n++] = (byte)',';
        if (item.FirstSentAtMs is { } sent) n += Timestamp(sent, to[n..]);
        to[n++] = (byte)',';
        if (item.FirstSuccessAtMs is { } success) n += Timestamp(success, to[n..]);
        to[n++] = (byte)',';
        if (item.LatencyMs is { } latency) n += Seconds(latency, to[n..]);
        to[n++] = (byte)',';
        n += Put(dimensions, to[n..]);
        to[n++] = (byte)',';
        if (item.HasRecipient) n += Text(AsDecoded(item.Recipient), to[n..]);
        to[n++] = (byte)',';
        n += Cost(item.Cost, to[n..]);
        to[n++] = (byte)',';
        if (item.HasErrorCode) n += Text(AsDecoded(item.ErrorCode), to[n..]);
        to[n++] = (byte)',';
        n += Integer(item.EventCount, to[n..]);
        to[n++] = (byte)'\r';
        to[n++] = (byte)'\n';
        return n;
    }

    private protected override byte[] Cells(IReadOnlyList<(string Name, string? Value)> cells) =>
        Encoding.UTF8.GetBytes(string.Join(',', cells.Select(c => Field(c.Value is null ? "" : ReportValues.Inert(c.Value)))));

    private protected override int Number(double value, Span<byte> to)
    {
        value.TryFormat(to, out int n, "0.######", CultureInfo.InvariantCulture);
        return n;
    }

    /// <summary>A text cell from valid UTF-8: made inert, then quoted when it needs to be.</summary>
    private static int Text(ReadOnlySpan<byte> utf8, Span<byte> to)
    {
        bool quoted = utf8.ContainsAny(NeedsQuotes);
        int n = 0;
        if (quoted) to[n++] = (byte)'"';
        if (LooksLikeFormula(utf8)) to[n++] = (byte)'\'';
        if (!quoted) return n + Put(utf8, to[n..]);
        foreach (byte b in utf8)
        {
            if (b == '"') to[n++] = b;
            to[n++] = b;
        }
        to[n++] = (byte)'"';
        return n;
    }

    /// <summary><see cref="ReportValues.Inert"/>'s test on UTF-8: starts with = + - @, tab or CR, and is not a signed plain number.</summary>
    private static bool LooksLikeFormula(ReadOnlySpan<byte> t) =>
        t.Length > 0 && t[0] is (byte)'=' or (byte)'+' or (byte)'-' or (byte)'@' or (byte)'\t' or (byte)'\r' && !IsSignedNumber(t);

    /// <summary>^[+-][0-9]+(\.[0-9]+)?\z</summary>
    private static bool IsSignedNumber(ReadOnlySpan<byte> t)
    {
        if (t.Length < 2 || t[0] is not ((byte)'+' or (byte)'-')) return false;
        int digits = Digits(t[1..]);
        if (digits == 0) return false;
        var rest = t[(1 + digits)..];
        return rest.IsEmpty || (rest[0] == '.' && rest.Length > 1 && Digits(rest[1..]) == rest.Length - 1);
    }

    private static int Digits(ReadOnlySpan<byte> t)
    {
        int n = 0;
        while (n < t.Length && t[n] is >= (byte)'0' and <= (byte)'9') n++;
        return n;
    }

    /// <summary>A cell's text quoted as CsvHelper quotes it (when needed, by RFC 4180).</summary>
    private static string Field(string text) =>
        text.AsSpan().IndexOfAny(NeedsQuotesText) < 0 ? text : "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}

/// <summary>
/// NDJSON rows as <see cref="NdjsonTableWriter"/> writes them through <see cref="Utf8JsonWriter"/>: one object a line,
/// keyed by the column names, text escaped as its default encoder does, numbers as numbers, null for a missing value.
/// </summary>
public sealed class NdjsonItemRowEncoder : ItemRowEncoder
{
    // Each ASCII byte as the writer escapes it (most as themselves), and the bytes it escapes or that are not ASCII.
    private static readonly byte[][] AsciiEscaped = Enumerable.Range(0, 128)
        .Select(c => JsonEncodedText.Encode(((char)c).ToString()).EncodedUtf8Bytes.ToArray()).ToArray();
    private static readonly SearchValues<byte> Escaped = SearchValues.Create(Enumerable.Range(0, 256)
        .Where(b => b >= 128 || AsciiEscaped[b].Length != 1).Select(b => (byte)b).ToArray());
    private static readonly byte[] Null = "null"u8.ToArray();
    private readonly byte[][] _names;

    public NdjsonItemRowEncoder(ItemRows rows) : base(rows) =>
        _names = ItemColumns.All.Select((c, i) => Encoding.UTF8.GetBytes((i == 0 ? "{" : ",") + Name(c.Name))).ToArray();

    public override byte[] Header() => [];

    private protected override int Row(in ItemFields item, ReadOnlySpan<byte> team, ReadOnlySpan<byte> states, ReadOnlySpan<byte> dimensions, Span<byte> to)
    {
        // The column order of ItemColumns.All: the cached cells are their own "name":value pairs.
        int n = Put(_names[0], to);
        n += Text(item.ItemId, to[n..]);
        to[n++] = (byte)',';
        n += Put(team, to[n..]);
        to[n++] = (byte)',';
        n += Put(states, to[n..]);
        n += Put(_names[5], to[n..]);
        n += Time(item.StatusAtMs, to[n..]);
        n += Put(_names[6], to[n..]);
        n += Time(item.EarliestAtMs, to[n..]);
        n += Put(_names[7], to[n..]);
        n += item.FirstSentAtMs is { } sent ? Time(sent, to[n..]) : Put(Null, to[n..]);
        n += Put(_names[8], to[n..]);
        n += item.FirstSuccessAtMs is { } success ? Time(success, to[n..]) : Put(Null, to[n..]);
        n += Put(_names[9], to[n..]);
        n += item.LatencyMs is { } latency ? Seconds(latency, to[n..]) : Put(Null, to[n..]);
        to[n++] = (byte)',';
        n += Put(dimensions, to[n..]);
        n += Put(_names[19], to[n..]);
        n += item.HasRecipient ? Text(item.Recipient, to[n..]) : Put(Null, to[n..]);
        n += Put(_names[20], to[n..]);
        n += Cost(item.Cost, to[n..]);
        n += Put(_names[21], to[n..]);
        n += item.HasErrorCode ? Text(item.ErrorCode, to[n..]) : Put(Null, to[n..]);
        n += Put(_names[22], to[n..]);
        n += Integer(item.EventCount, to[n..]);
        to[n++] = (byte)'}';
        to[n++] = (byte)'\n';
        return n;
    }

    private protected override byte[] Cells(IReadOnlyList<(string Name, string? Value)> cells) =>
        Encoding.UTF8.GetBytes(string.Join(',', cells.Select(c => Name(c.Name) + (c.Value is null ? "null" : Quoted(c.Value)))));

    private protected override int Number(double value, Span<byte> to)
    {
        if (!double.IsFinite(value)) return Put(Null, to);
        value.TryFormat(to, out int n, default, CultureInfo.InvariantCulture);
        return n;
    }

    private int Time(long ms, Span<byte> to)
    {
        to[0] = (byte)'"';
        int n = 1 + Timestamp(ms, to[1..]);
        to[n++] = (byte)'"';
        return n;
    }

    /// <summary>A JSON string of stored text: ASCII escaped byte by byte as the writer escapes it; anything else through the writer's own encoding.</summary>
    private static int Text(ReadOnlySpan<byte> utf8, Span<byte> to)
    {
        int first = utf8.IndexOfAny(Escaped);
        if (first >= 0 && utf8[first..].ContainsAnyInRange((byte)0x80, (byte)0xFF))
            return Put(Encoding.UTF8.GetBytes(Quoted(Encoding.UTF8.GetString(utf8))), to);
        to[0] = (byte)'"';
        int n = 1;
        if (first < 0)
            n += Put(utf8, to[n..]);
        else
        {
            n += Put(utf8[..first], to[n..]);
            foreach (byte b in utf8[first..]) n += Put(AsciiEscaped[b], to[n..]);
        }
        to[n++] = (byte)'"';
        return n;
    }

    private static string Name(string name) => Quoted(name) + ":";

    private static string Quoted(string text) => "\"" + JsonEncodedText.Encode(text).ToString() + "\"";
}
