using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Herald.Engine;

namespace Herald.Domain;

/// <summary>
/// An instant as the API takes it in a query string: RFC 3339 with a time zone (<c>2026-11-22T10:00:00Z</c>,
/// <c>2026-11-22T12:00:00+02:00</c>). A time without a zone is refused rather than read in the server's local time.
/// </summary>
public readonly record struct Timestamp(DateTimeOffset Value) : IParsable<Timestamp>
{
    public UtcMinute Minute => UtcMinute.FromDateTimeOffset(Value);

    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out Timestamp result)
    {
        result = default;
        if (s is null || !EventParser.TryParseRfc3339(s, out var at)) return false;
        result = new Timestamp(at);
        return true;
    }

    public static Timestamp Parse(string s, IFormatProvider? provider) =>
        TryParse(s, provider, out var t) ? t : throw new FormatException($"'{s}' is not an RFC 3339 timestamp with a time zone");

    public override string ToString() => EventParser.FormatTimestamp(Value.ToUnixTimeMilliseconds());
}

/// <summary>How API answers and alert notifications write an instant: UTC, milliseconds, <c>Z</c> (<c>2026-11-22T10:00:00.000Z</c>).</summary>
public static class Timestamps
{
    public static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string? Iso(long? ms) => ms is { } v ? Iso(DateTimeOffset.FromUnixTimeMilliseconds(v)) : null;
}
