namespace Herald.Analytics.Trends;

/// <summary>
/// Seed 004's trend statistics of a series: min, max, average and (population) standard deviation, and the
/// direction of its least-squares line: <c>percentage</c> is the line's rise over the whole window relative to
/// the series' average; <c>up</c> above +5 %, <c>down</c> below −5 %, else <c>stable</c> (also for fewer than two
/// points or an average of zero).
/// </summary>
public sealed record TrendStatistics(double MinValue, double MaxValue, double AvgValue, double StdDev, string Direction, double Percentage)
{
    public const double StableBandPercent = 5;

    public static TrendStatistics Of(IReadOnlyList<double> values)
    {
        int n = values.Count;
        if (n == 0) return new TrendStatistics(0, 0, 0, 0, "stable", 0);
        double min = double.MaxValue, max = double.MinValue, sum = 0;
        for (int i = 0; i < n; i++)
        {
            double v = values[i];
            if (v < min) min = v;
            if (v > max) max = v;
            sum += v;
        }
        double avg = sum / n;
        double squares = 0;
        var x = new double[n];
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            double d = values[i] - avg;
            squares += d * d;
            (x[i], y[i]) = (i, values[i]);
        }
        double std = Math.Sqrt(squares / n);
        double percentage = avg == 0 || LinearFit.Of(x, y) is not { } line ? 0 : line.Slope * (n - 1) / Math.Abs(avg) * 100;
        string direction = percentage > StableBandPercent ? "up" : percentage < -StableBandPercent ? "down" : "stable";
        return new TrendStatistics(Round(min), Round(max), Round(avg), Round(std), direction, Round(percentage));
    }

    private static double Round(double v) => Math.Round(v, 4);
}
