using System.Globalization;
using Herald.Domain;

namespace Herald.Snapshots;

/// <summary>Seed 002's snapshot types. The names are stored (<c>snapshot_type</c>); never rename.</summary>
public enum SnapshotType
{
    Daily,
    Weekly,
    Monthly,
}

public static class SnapshotTypes
{
    public static readonly SnapshotType[] All = [SnapshotType.Daily, SnapshotType.Weekly, SnapshotType.Monthly];

    /// <summary>The stored name: Daily, Weekly, Monthly.</summary>
    public static string Name(SnapshotType t) => t.ToString();

    /// <summary>daily|weekly|monthly, any case.</summary>
    public static bool TryParse(string? value, out SnapshotType type)
    {
        switch (value?.Trim().ToLowerInvariant())
        {
            case "daily": type = SnapshotType.Daily; return true;
            case "weekly": type = SnapshotType.Weekly; return true;
            case "monthly": type = SnapshotType.Monthly; return true;
            default: type = default; return false;
        }
    }

    public static Granularity GranularityOf(SnapshotType t) => t switch
    {
        SnapshotType.Daily => Granularity.Day,
        SnapshotType.Weekly => Granularity.Week,
        SnapshotType.Monthly => Granularity.Month,
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };
}

/// <summary>
/// One snapshot period in UTC: a day, an ISO week (Monday to Sunday) or a calendar month, [Start, End).
/// <see cref="Date"/> is the period's first day, the snapshot's <c>date</c>.
/// </summary>
public readonly record struct SnapshotPeriod(SnapshotType Type, UtcMinute Start, UtcMinute End)
{
    public DateOnly Date => DateOnly.FromDateTime(Start.ToDateTimeOffset().UtcDateTime);

    public string DateText => Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The period of the same type just before this one (for growth rates).</summary>
    public SnapshotPeriod Previous => Containing(Type, DateOnly.FromDateTime(Start.ToDateTimeOffset().UtcDateTime).AddDays(-1));

    /// <summary>The period of <paramref name="type"/> that contains <paramref name="day"/>.</summary>
    public static SnapshotPeriod Containing(SnapshotType type, DateOnly day)
    {
        var g = SnapshotTypes.GranularityOf(type);
        var start = UtcMinute.FromDateTimeOffset(new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)).Floor(g);
        return new SnapshotPeriod(type, start, start.Next(g));
    }

    /// <summary>
    /// The last complete period before <paramref name="now"/>, which a scheduled run covers: yesterday (daily at 02:00),
    /// the previous Monday–Sunday (weekly, Mondays at 03:00), the previous month (monthly, on the 1st at 04:00).
    /// </summary>
    public static SnapshotPeriod LastComplete(SnapshotType type, DateTimeOffset now)
    {
        var current = Containing(type, DateOnly.FromDateTime(now.UtcDateTime));
        return current.Previous;
    }

    /// <summary>Every period of <paramref name="type"/> that holds a day of [from, to] (both inclusive), oldest first.</summary>
    public static IReadOnlyList<SnapshotPeriod> Covering(SnapshotType type, DateOnly from, DateOnly to)
    {
        var list = new List<SnapshotPeriod>();
        var end = Containing(type, to);
        for (var p = Containing(type, from); p.Start <= end.Start; p = new SnapshotPeriod(type, p.End, p.End.Next(SnapshotTypes.GranularityOf(type))))
            list.Add(p);
        return list;
    }

    public override string ToString() => $"{SnapshotTypes.Name(Type)} {DateText}";
}
