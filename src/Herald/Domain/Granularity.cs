namespace Herald.Domain;

/// <summary>Bucket sizes of the query API. Rollups are stored for every one but <see cref="Week"/>, which sums days.</summary>
public enum Granularity : byte
{
    Minute = 1,
    Hour = 2,
    Day = 3,
    Month = 4,
    Week = 5,
}

public static class Granularities
{
    /// <summary>The granularities that have stored rollup cells, finest first.</summary>
    public static readonly Granularity[] Stored = [Granularity.Minute, Granularity.Hour, Granularity.Day, Granularity.Month];

    public static string Name(Granularity g) => g switch
    {
        Granularity.Minute => "minute",
        Granularity.Hour => "hour",
        Granularity.Day => "day",
        Granularity.Week => "week",
        Granularity.Month => "month",
        _ => throw new ArgumentOutOfRangeException(nameof(g)),
    };

    public static bool TryParse(string? value, out Granularity g)
    {
        switch (value)
        {
            case "minute": g = Granularity.Minute; return true;
            case "hour": g = Granularity.Hour; return true;
            case "day": g = Granularity.Day; return true;
            case "week": g = Granularity.Week; return true;
            case "month": g = Granularity.Month; return true;
            default: g = 0; return false;
        }
    }
}
