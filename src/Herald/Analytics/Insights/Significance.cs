using Herald.Alerts;

namespace Herald.Analytics.Insights;

/// <summary>
/// When an insight may recommend: on <see cref="Wilson"/> intervals (the alert rules' statistics) and their minimum volume
/// (<see cref="AlertRules.DefaultRateMinVolume"/>). A recommendation that picks one of k candidates against the rest uses a
/// Bonferroni interval (each at 1 - 0.05/k), so with no effect the chance that any of them separates stays under 5 %.
/// </summary>
public static class Significance
{
    /// <summary>Fewest messages behind a rate that may take part in a recommendation.</summary>
    public const long MinVolume = AlertRules.DefaultRateMinVolume;

    /// <summary>The two-sided normal quantile of a family of <paramref name="comparisons"/> at 95 % overall.</summary>
    public static double BonferroniZ(int comparisons) => comparisons <= 1 ? Wilson.Z95 : NormalQuantile(1 - 0.025 / comparisons);

    /// <summary>The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9).</summary>
    public static double NormalQuantile(double p)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(p, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(p, 1);
        double[] a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
        double[] b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
        double[] c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
        double[] d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
        const double low = 0.02425;
        if (p < low || p > 1 - low)
        {
            double q = Math.Sqrt(-2 * Math.Log(p < low ? p : 1 - p));
            double x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
            return p < low ? x : -x;
        }
        double r = p - 0.5, s = r * r;
        return (((((a[0] * s + a[1]) * s + a[2]) * s + a[3]) * s + a[4]) * s + a[5]) * r / (((((b[0] * s + b[1]) * s + b[2]) * s + b[3]) * s + b[4]) * s + 1);
    }
}
