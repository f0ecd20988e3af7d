using Herald.Analytics.Trends;

namespace Herald.Tests.Analytics;

public sealed class TrendsAndForecastTests
{
    [Fact]
    public void Statistics_of_a_series_match_their_definitions()
    {
        var s = TrendStatistics.Of([2, 4, 4, 4, 5, 5, 7, 9]);
        Assert.Equal(2, s.MinValue);
        Assert.Equal(9, s.MaxValue);
        Assert.Equal(5, s.AvgValue);
        Assert.Equal(2, s.StdDev); // the textbook population example
        Assert.Equal("up", s.Direction);
    }

    [Theory]
    [InlineData(new double[] { 100, 110, 120, 130 }, "up", 30 / 115.0 * 100)]
    [InlineData(new double[] { 130, 120, 110, 100 }, "down", -30 / 115.0 * 100)]
    [InlineData(new double[] { 100, 102, 99, 101 }, "stable", null)]
    [InlineData(new double[] { 0, 0, 0 }, "stable", 0.0)]
    [InlineData(new double[] { 5 }, "stable", 0.0)]
    public void Direction_follows_the_least_squares_line(double[] values, string direction, double? percentage)
    {
        var s = TrendStatistics.Of(values);
        Assert.Equal(direction, s.Direction);
        if (percentage is { } p) Assert.Equal(p, s.Percentage, 3);
    }

    /// <summary>Hourly volumes with a daily cycle, a weekend dip and Poisson-like noise, like real traffic.</summary>
    private static double[] Traffic(int hours, int seed, double level = 1000)
    {
        var rng = new Random(seed);
        var series = new double[hours];
        for (int h = 0; h < hours; h++)
        {
            double daily = 1 + 0.6 * Math.Sin(2 * Math.PI * ((h % 24) / 24.0 - 0.375));
            double weekly = (h / 24) % 7 is 5 or 6 ? 0.7 : 1.0;
            double mean = level * daily * weekly;
            series[h] = Math.Max(0, Math.Round(mean + Math.Sqrt(mean) * Gaussian(rng)));
        }
        return series;
    }

    private static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    [Fact]
    public void A_weekly_seasonal_series_is_forecast_within_a_few_percent_and_inside_its_interval()
    {
        var all = Traffic(28 * 24 + 24, seed: 7);
        var history = all[..(28 * 24)];
        var future = all[(28 * 24)..];
        var f = SeasonalForecaster.Forecast(history, 24);
        Assert.Equal(168, f.SeasonHours);
        Assert.Equal(4, f.SeasonsUsed);
        double absError = 0, actual = 0;
        int inside = 0;
        for (int h = 0; h < 24; h++)
        {
            absError += Math.Abs(future[h] - f.Values[h]);
            actual += future[h];
            if (future[h] >= f.Lower[h] && future[h] <= f.Upper[h]) inside++;
        }
        Assert.True(absError / actual < 0.05, $"WAPE {absError / actual:P1}");
        Assert.True(inside >= 21, $"only {inside}/24 actual values inside the 95 % interval");
        Assert.NotNull(f.BacktestWapePercent);
        Assert.InRange(f.ConfidencePercent, 90, 100);
    }

    [Fact]
    public void Short_histories_fall_back_to_a_daily_season_then_to_the_recent_mean()
    {
        var threeDays = Traffic(72, seed: 3);
        Assert.Equal(24, SeasonalForecaster.Forecast(threeDays, 24).SeasonHours);
        var tenHours = new double[] { 10, 10, 10, 10, 10, 10, 10, 10, 10, 10 };
        var flat = SeasonalForecaster.Forecast(tenHours, 5);
        Assert.Equal(0, flat.SeasonHours);
        Assert.All(flat.Values, v => Assert.Equal(10, v));
        Assert.Null(flat.BacktestWapePercent);
        Assert.Equal(0, flat.ConfidencePercent);
        Assert.Empty(SeasonalForecaster.Forecast([], 0).Values);
    }

    [Fact]
    public void A_spike_is_an_anomaly_and_ordinary_noise_is_not()
    {
        var series = Traffic(21 * 24, seed: 11);
        var (_, normalScore, normal) = SeasonalForecaster.Anomaly(series);
        Assert.False(normal);
        Assert.InRange(normalScore, 0, 0.99);
        series[^1] *= 3;
        var (expected, score, anomaly) = SeasonalForecaster.Anomaly(series);
        Assert.True(anomaly);
        Assert.True(score > 0.997);
        Assert.True(expected < series[^1] / 2);
    }

    [Theory]
    [InlineData(0, 0.5)]
    [InlineData(1.96, 0.975)]
    [InlineData(-1, 0.1586553)]
    [InlineData(3, 0.9986501)]
    public void The_normal_cdf_is_accurate(double z, double expected) =>
        Assert.Equal(expected, SeasonalForecaster.NormalCdf(z), 5);
}
