using System.Collections.Concurrent;
using System.Globalization;
using Herald.Storage;

namespace Herald.Analytics.Consent;

/// <summary>
/// A daily quiet window in local clock time: minutes of the day, start inclusive, end exclusive; when start is after end
/// the window runs over midnight (21:00-08:00). Local time is the wall clock of an IANA time zone at the instant of the
/// send (.NET's TimeZoneInfo with the system's tz database), so a window follows daylight saving: on a spring-forward
/// day the skipped local hour never occurs, on a fall-back day the repeated hour is quiet twice.
/// </summary>
public readonly record struct QuietWindow(int StartMinute, int EndMinute)
{
    public bool Contains(int localMinuteOfDay) => StartMinute < EndMinute
        ? localMinuteOfDay >= StartMinute && localMinuteOfDay < EndMinute
        : localMinuteOfDay >= StartMinute || localMinuteOfDay < EndMinute;

    public static QuietWindow? Of(int? start, int? end) => start is { } s && end is { } e ? new QuietWindow(s, e) : null;

    public static string Format(int minute) => $"{minute / 60:00}:{minute % 60:00}";

    /// <summary>"HH:mm" (00:00 to 23:59) as minutes of the day; null when malformed.</summary>
    public static int? ParseTime(string? text)
    {
        if (text is null || !TimeOnly.TryParseExact(text, ["HH:mm", "H:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var t)) return null;
        return t.Hour * 60 + t.Minute;
    }
}

/// <summary>
/// The quiet-hours rule in force for a contact: its own time zone and window where it set them, else the team's; the team's
/// zone defaults to UTC and its window to none.
/// </summary>
public readonly record struct QuietRule(string ZoneId, QuietWindow? Window)
{
    public const string DefaultZone = "UTC";

    public static QuietRule OfTeam(ComplianceSettingsRecord? team) =>
        new(team?.TimeZone ?? DefaultZone, QuietWindow.Of(team?.QuietStart, team?.QuietEnd));

    public static QuietRule For(ContactRecord? contact, QuietRule team) =>
        new(contact?.TimeZone ?? team.ZoneId, QuietWindow.Of(contact?.QuietStart, contact?.QuietEnd) ?? team.Window);

    public TimeZoneInfo Zone => TimeZones.Find(ZoneId) ?? TimeZoneInfo.Utc;
}

public static class TimeZones
{
    private static readonly ConcurrentDictionary<string, TimeZoneInfo?> Cache = new(StringComparer.Ordinal);

    /// <summary>The zone of an IANA id ("Europe/Paris", "UTC"); null for unknown ids and for Windows ids.</summary>
    public static TimeZoneInfo? Find(string id) => Cache.GetOrAdd(id, static id =>
        id.Length is > 0 and <= 64 && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var tz) && tz.HasIanaId ? tz : null);

    /// <summary>The local minute of the day at a UTC instant.</summary>
    public static int LocalMinuteOfDay(TimeZoneInfo tz, long utcMs)
    {
        var local = TimeZoneInfo.ConvertTimeFromUtc(DateTime.UnixEpoch.AddMilliseconds(utcMs), tz);
        return local.Hour * 60 + local.Minute;
    }

    /// <summary>
    /// The UTC minute ranges of [fromMinute, toMinute) (Unix minutes) whose local time falls in the window, merged. Offsets
    /// are read per hour, and per minute in an hour whose offset changes (every zone's offsets are whole minutes today).
    /// </summary>
    public static List<(long Start, long End)> QuietRanges(TimeZoneInfo tz, QuietWindow window, long fromMinute, long toMinute)
    {
        var ranges = new List<(long, long)>();
        long runStart = -1;
        long m = fromMinute;
        while (m < toMinute)
        {
            long hourEnd = Math.Min(toMinute, (m / 60 + 1) * 60);
            int offset = OffsetMinutes(tz, m);
            bool steady = OffsetMinutes(tz, hourEnd - 1) == offset;
            for (; m < hourEnd; m++)
            {
                int o = steady ? offset : OffsetMinutes(tz, m);
                int local = (int)(((m + o) % 1440 + 1440) % 1440);
                bool quiet = window.Contains(local);
                if (quiet && runStart < 0) runStart = m;
                else if (!quiet && runStart >= 0)
                {
                    ranges.Add((runStart, m));
                    runStart = -1;
                }
            }
        }
        if (runStart >= 0) ranges.Add((runStart, toMinute));
        return ranges;
    }

    private static int OffsetMinutes(TimeZoneInfo tz, long unixMinute) =>
        (int)Math.Round(tz.GetUtcOffset(DateTime.UnixEpoch.AddMinutes(unixMinute)).TotalMinutes);
}
