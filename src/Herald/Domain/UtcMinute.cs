namespace Herald.Domain;

/// <summary>
/// A whole UTC minute, counted from the Unix epoch. Rollup buckets are identified by the minute they
/// start at, so a bucket of any granularity is a <see cref="UtcMinute"/> aligned to that granularity.
/// </summary>
public readonly record struct UtcMinute(long Value) : IComparable<UtcMinute>
{
    public const long MillisPerMinute = 60_000;

    public static UtcMinute FromUnixMillis(long ms) => new(FloorDiv(ms, MillisPerMinute));

    public static UtcMinute FromDateTimeOffset(DateTimeOffset t) => FromUnixMillis(t.ToUnixTimeMilliseconds());

    public DateTimeOffset ToDateTimeOffset() => DateTimeOffset.FromUnixTimeMilliseconds(Value * MillisPerMinute);

    public long ToUnixMillis() => Value * MillisPerMinute;

    /// <summary>The start of the bucket of <paramref name="g"/> containing this minute (UTC; ISO weeks start Monday).</summary>
    public UtcMinute Floor(Granularity g)
    {
        switch (g)
        {
            case Granularity.Minute: return this;
            case Granularity.Hour: return new(FloorDiv(Value, 60) * 60);
            case Granularity.Day: return new(FloorDiv(Value, 1440) * 1440);
            case Granularity.Week:
                // 1970-01-01 was a Thursday: day index 0 is Thursday, Monday is day 4 (mod 7).
                long day = FloorDiv(Value, 1440);
                long mondayOffset = ((day - 4) % 7 + 7) % 7;
                return new((day - mondayOffset) * 1440);
            case Granularity.Month:
                var t = ToDateTimeOffset();
                return FromDateTimeOffset(new DateTimeOffset(t.Year, t.Month, 1, 0, 0, 0, TimeSpan.Zero));
            default: throw new ArgumentOutOfRangeException(nameof(g));
        }
    }

    /// <summary>The start of the next bucket of <paramref name="g"/>, for a minute already aligned to it.</summary>
    public UtcMinute Next(Granularity g) => g switch
    {
        Granularity.Minute => new(Value + 1),
        Granularity.Hour => new(Value + 60),
        Granularity.Day => new(Value + 1440),
        Granularity.Week => new(Value + 7 * 1440),
        Granularity.Month => FromDateTimeOffset(ToDateTimeOffset().AddMonths(1)),
        _ => throw new ArgumentOutOfRangeException(nameof(g)),
    };

    public bool IsAligned(Granularity g) => Floor(g) == this;

    public int CompareTo(UtcMinute other) => Value.CompareTo(other.Value);

    public static bool operator <(UtcMinute a, UtcMinute b) => a.Value < b.Value;
    public static bool operator >(UtcMinute a, UtcMinute b) => a.Value > b.Value;
    public static bool operator <=(UtcMinute a, UtcMinute b) => a.Value <= b.Value;
    public static bool operator >=(UtcMinute a, UtcMinute b) => a.Value >= b.Value;

    public override string ToString() => ToDateTimeOffset().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);
}
