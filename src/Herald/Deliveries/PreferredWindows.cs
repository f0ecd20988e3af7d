using System.Globalization;
using Herald.Storage;

namespace Herald.Deliveries;

/// <summary>A customer's preferred delivery times ("09:00-12:00") on its preferred days, read in its own time zone.</summary>
public static class PreferredWindows
{
    public static readonly string[] Days = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
    private const int SearchDays = 15;

    /// <summary>The window "HH:MM-HH:MM" as local minutes of the day [start, end); null when it is not one.</summary>
    public static (int Start, int End)? Parse(string? text)
    {
        if (text is not { Length: 11 } || text[5] != '-') return null;
        if (Minute(text.AsSpan(0, 5)) is not { } start || Minute(text.AsSpan(6, 5)) is not { } end || end <= start) return null;
        return (start, end);
    }

    private static int? Minute(ReadOnlySpan<char> hhmm) =>
        hhmm.Length == 5 && hhmm[2] == ':'
        && int.TryParse(hhmm[..2], NumberStyles.None, CultureInfo.InvariantCulture, out int h) && h < 24
        && int.TryParse(hhmm[3..], NumberStyles.None, CultureInfo.InvariantCulture, out int m) && m < 60
            ? h * 60 + m
            : null;

    /// <summary>
    /// The first instant at or after <paramref name="afterMs"/> inside one of the customer's windows on one of its days, in
    /// <paramref name="zone"/>: <paramref name="afterMs"/> itself when it already is inside one. No times means the whole day;
    /// no days means every day; a local time that a clock change skips moves to the first one that exists.
    /// </summary>
    public static long NextStart(CustomerPreferences preferences, TimeZoneInfo zone, long afterMs)
    {
        var windows = preferences.PreferredTimes.Select(Parse).OfType<(int Start, int End)>().OrderBy(w => w.Start).ToList();
        if (windows.Count == 0) windows.Add((0, 24 * 60));
        var days = preferences.PreferredDays.Select(d => Array.IndexOf(Days, d)).Where(i => i >= 0).ToHashSet();
        var localDate = TimeZoneInfo.ConvertTimeFromUtc(DateTime.UnixEpoch.AddMilliseconds(afterMs), zone).Date;
        for (int d = 0; d < SearchDays; d++)
        {
            var date = localDate.AddDays(d);
            if (days.Count > 0 && !days.Contains((int)date.DayOfWeek)) continue;
            foreach (var (start, end) in windows)
            {
                long startMs = Utc(date.AddMinutes(start), zone), endMs = Utc(date.AddMinutes(end), zone);
                if (endMs > afterMs) return Math.Max(startMs, afterMs);
            }
        }
        return afterMs;
    }

    private static long Utc(DateTime local, TimeZoneInfo zone)
    {
        for (int guard = 0; zone.IsInvalidTime(local) && guard < 24 * 60; guard++) local = local.AddMinutes(1);
        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), zone), TimeSpan.Zero).ToUnixTimeMilliseconds();
    }
}
