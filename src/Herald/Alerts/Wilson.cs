namespace Herald.Alerts;

/// <summary>
/// The Wilson score interval of a binomial proportion: for <c>k</c> successes in <c>n</c> trials at confidence z,
/// <c>(p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)</c> with p = k/n. Unlike the normal approximation it stays
/// inside [0, 1] and is honest for small n and for rates near 0 or 1, which is what an alert on a few messages needs:
/// 3 failures of 10 give [10.8 %, 60.3 %], 100 of 1,000 give [8.3 %, 12.0 %].
/// </summary>
public static class Wilson
{
    /// <summary>The two-sided 95 % normal quantile.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>The interval as fractions (0..1); [0, 1] when <paramref name="n"/> is 0.</summary>
    public static (double Lower, double Upper) Interval(long successes, long n, double z = Z95)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (successes < 0 || successes > n) throw new ArgumentOutOfRangeException(nameof(successes), "must be within 0..n");
        if (n == 0) return (0, 1);
        double p = (double)successes / n;
        double z2 = z * z;
        double denominator = 1 + z2 / n;
        double centre = p + z2 / (2.0 * n);
        double margin = z * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        return (Math.Max(0, (centre - margin) / denominator), Math.Min(1, (centre + margin) / denominator));
    }
}
