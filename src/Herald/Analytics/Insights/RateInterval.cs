using Herald.Alerts;

namespace Herald.Analytics.Insights;

/// <summary>
/// A rate of <see cref="Successes"/> in <see cref="Trials"/> as a percent, with its Wilson 95 % interval (the alert rules'
/// statistics, <see cref="Wilson"/>); all three null when there are no trials.
/// </summary>
public sealed record RateInterval(long Successes, long Trials, double? Rate, double? Lower, double? Upper)
{
    /// <summary>The rate and its Wilson interval at <paramref name="z"/> (default 95 %).</summary>
    public static RateInterval Of(long successes, long trials, double z = Wilson.Z95)
    {
        if (trials <= 0) return new RateInterval(0, 0, null, null, null);
        successes = Math.Clamp(successes, 0, trials);
        var (lo, hi) = Wilson.Interval(successes, trials, z);
        return new RateInterval(successes, trials, Math.Round(successes * 100.0 / trials, 4), Math.Round(lo * 100, 4), Math.Round(hi * 100, 4));
    }
}

/// <summary>
/// Picks a best and a worst among rows only where their intervals separate: the best is the row whose interval's lower
/// bound is above every other eligible row's upper bound, the worst the one whose upper bound is below every other's lower
/// bound. Rows with fewer than the minimum volume of trials take no part. With no effect the intervals overlap and both are null.
/// </summary>
public static class Separation
{
    /// <summary>The indexes of the separated best and worst rows (null where none separates).</summary>
    public static (int? Best, int? Worst) Of(IReadOnlyList<RateInterval> rows, long minVolume)
    {
        var eligible = new List<int>();
        for (int i = 0; i < rows.Count; i++)
            if (rows[i].Trials >= Math.Max(1, minVolume)) eligible.Add(i);
        if (eligible.Count < 2) return (null, null);
        int top = eligible.MaxBy(i => rows[i].Rate!.Value), bottom = eligible.MinBy(i => rows[i].Rate!.Value);
        bool best = eligible.All(i => i == top || rows[top].Lower > rows[i].Upper);
        bool worst = eligible.All(i => i == bottom || rows[bottom].Upper < rows[i].Lower);
        return (best ? top : null, worst ? bottom : null);
    }

    /// <summary>How many rows have the minimum volume.</summary>
    public static int Eligible(IReadOnlyList<RateInterval> rows, long minVolume) => rows.Count(r => r.Trials >= Math.Max(1, minVolume));

    /// <summary>Why nothing is recommended: too few rows with volume, or intervals that overlap.</summary>
    public static string NoRecommendationReason(IReadOnlyList<RateInterval> rows, long minVolume, string plural)
    {
        int eligible = Eligible(rows, minVolume);
        return eligible < 2
            ? $"fewer than two {plural} have at least {minVolume} messages"
            : $"no 95 % interval separates from the others among the {eligible} {plural} with at least {minVolume} messages";
    }
}
