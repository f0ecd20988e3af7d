using System.Globalization;

namespace Herald.Api.Parameters;

/// <summary>A UTC day a request names as text, exactly <c>yyyy-MM-dd</c>.</summary>
public static class DayParameter
{
    /// <summary>The day; else throws <see cref="BadParameterException"/> (a 400 naming <paramref name="field"/>).</summary>
    public static DateOnly Parse(string field, string value) =>
        DateOnly.TryParseExact(value.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? d
            : throw new BadParameterException(field, "must be a date like 2026-11-21 (yyyy-MM-dd)");
}
