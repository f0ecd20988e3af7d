namespace Herald.Analytics.Trends;

/// <summary>An hourly forecast with its 95 % prediction interval and how well the same model did on the recent past.</summary>
public sealed record HourlyForecast(
    double[] Values, double[] Lower, double[] Upper, int SeasonHours, int SeasonsUsed, double ResidualStdDev, double? BacktestWapePercent)
{
    /// <summary>100 less the back-test's weighted absolute percentage error, within 0..100; 0 without a back-test.</summary>
    public double ConfidencePercent => BacktestWapePercent is { } w ? Math.Round(Math.Clamp(100 - w, 0, 100), 2) : 0;
}

/// <summary>
/// Seasonal forecasting of an hourly series (oldest first, the last value the last complete hour). The season is a
/// week (168 h) once two weeks of history exist, else a day (24 h) once two days exist, else none (the recent mean).
/// The forecast for a future hour is the average of the same hour over the last <see cref="MaxSeasons"/> seasons, scaled
/// by how the last season's level compares with those seasons' average level:
/// <c>f(t) = mean_k x(t − k·S) × (mean of the last season / mean of the K seasons)</c>.
/// The interval is ±1.96 σ of the errors of a rolling back-test (24-hour-ahead forecasts from each of the last seven
/// days' origins); the back-test's WAPE (Σ|error| / Σ actual) gives the confidence figure.
/// </summary>
public static class SeasonalForecaster
{
    public const int MaxSeasons = 4;
    private const int BacktestHorizon = 24;
    private const int BacktestOrigins = 7;

    public static HourlyForecast Forecast(IReadOnlyList<double> history, int horizon)
    {
        int season = SeasonOf(history.Count);
        var values = Project(history, history.Count, horizon, season, out int used);
        var (sigma, wape) = Backtest(history, season);
        var lower = new double[horizon];
        var upper = new double[horizon];
        for (int i = 0; i < horizon; i++)
        {
            lower[i] = Math.Max(0, values[i] - 1.96 * sigma);
            upper[i] = values[i] + 1.96 * sigma;
        }
        return new HourlyForecast(values, lower, upper, season, used, sigma, wape);
    }

    /// <summary>
    /// How unusual the last value is against a forecast of it from the history before it: the two-sided normal
    /// probability of a deviation this small, <c>2Φ(|z|) − 1</c> in 0..1 (0.997 at three standard deviations).
    /// </summary>
    public static (double Expected, double Score, bool IsAnomaly) Anomaly(IReadOnlyList<double> history)
    {
        if (history.Count < 3) return (history.Count > 0 ? history[^1] : 0, 0, false);
        int n = history.Count - 1;
        int season = SeasonOf(n);
        double expected = Project(history, n, 1, season, out _)[0];
        var (sigma, _) = Backtest(Slice(history, n), season);
        if (sigma <= 0) sigma = Math.Sqrt(Math.Max(expected, 1)); // Poisson-like noise when the back-test has none
        double z = Math.Abs(history[n] - expected) / sigma;
        double score = 2 * NormalCdf(z) - 1;
        return (expected, Math.Round(score, 4), z > 3);
    }

    private static int SeasonOf(int count) => count >= 2 * 168 ? 168 : count >= 2 * 24 ? 24 : 0;

    /// <summary>Forecasts <paramref name="horizon"/> values after the first <paramref name="end"/> values of the history.</summary>
    private static double[] Project(IReadOnlyList<double> history, int end, int horizon, int season, out int seasonsUsed)
    {
        var result = new double[horizon];
        if (end == 0)
        {
            seasonsUsed = 0;
            return result;
        }
        if (season == 0)
        {
            int window = Math.Min(end, 24);
            double mean = 0;
            for (int i = end - window; i < end; i++) mean += history[i];
            Array.Fill(result, mean / window);
            seasonsUsed = 0;
            return result;
        }
        int k = Math.Min(MaxSeasons, end / season);
        double levelAll = 0, levelLast = 0;
        for (int i = end - k * season; i < end; i++) levelAll += history[i];
        for (int i = end - season; i < end; i++) levelLast += history[i];
        levelAll /= k * season;
        levelLast /= season;
        double scale = levelAll > 0 ? levelLast / levelAll : 1;
        for (int h = 0; h < horizon; h++)
        {
            // The same position in each of the last k seasons (a horizon past one season wraps onto the latest data).
            int offset = h % season;
            double sum = 0;
            for (int j = 1; j <= k; j++) sum += history[end - j * season + offset];
            result[h] = Math.Max(0, sum / k * scale);
        }
        seasonsUsed = k;
        return result;
    }

    private static (double Sigma, double? Wape) Backtest(IReadOnlyList<double> history, int season)
    {
        double squares = 0, absErrors = 0, actuals = 0;
        int count = 0;
        for (int o = 1; o <= BacktestOrigins; o++)
        {
            int origin = history.Count - o * BacktestHorizon;
            if (origin < 24) break;
            // The model as it would have been at that origin: no longer a season than its history allowed.
            var predicted = Project(history, origin, BacktestHorizon, Math.Min(season, SeasonOf(origin)), out _);
            for (int h = 0; h < BacktestHorizon; h++)
            {
                double e = history[origin + h] - predicted[h];
                squares += e * e;
                absErrors += Math.Abs(e);
                actuals += Math.Abs(history[origin + h]);
                count++;
            }
        }
        if (count == 0) return (0, null);
        return (Math.Sqrt(squares / count), actuals > 0 ? Math.Round(absErrors / actuals * 100, 2) : null);
    }

    private static double[] Slice(IReadOnlyList<double> values, int count)
    {
        var a = new double[count];
        for (int i = 0; i < count; i++) a[i] = values[i];
        return a;
    }

    /// <summary>Φ via the Abramowitz–Stegun 7.1.26 erf approximation (error under 1.5e-7).</summary>
    public static double NormalCdf(double z)
    {
        double x = Math.Abs(z) / Math.Sqrt(2);
        double t = 1 / (1 + 0.3275911 * x);
        double erf = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.Exp(-x * x);
        return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
    }
}
