using Herald.Analytics.Trends;
using Herald.Simulation;

namespace Herald.Bench;

/// <summary>
/// Back-tests the volume forecaster on simulated traffic: 35 days of the simulator's events (its daily cycle, at a
/// modest rate), counted per hour by <c>occurred_at</c> as the rollups count them; then, for each of the last 7 days,
/// a forecast of that day from the history before it, against what the simulator actually produced.
/// A seasonal-naive forecast (each hour as the same hour a day earlier) runs side by side as the baseline.
/// </summary>
public static class ForecastBench
{
    private const int Days = 35;

    public static void Run(BenchOptions options, Report report)
    {
        var profile = new SimulationProfile { Seed = 2026, Teams = 1, ItemsPerSecond = 0.5 };
        long start = profile.StartTimeMs, end = start + Days * 86_400_000L;
        var hourly = new double[Days * 24];
        var generator = new TrafficGenerator(profile);
        foreach (var e in generator.Generate(long.MaxValue))
        {
            long at = e.Event.OccurredAtMs;
            if (at >= end) break;
            if (at >= start) hourly[(at - start) / 3_600_000]++;
        }

        double absError = 0, naiveError = 0, actual = 0;
        int inside = 0, count = 0;
        for (int day = Days - 7; day < Days; day++)
        {
            int origin = day * 24;
            var forecast = SeasonalForecaster.Forecast(hourly[..origin], 24);
            for (int h = 0; h < 24; h++)
            {
                double a = hourly[origin + h];
                absError += Math.Abs(a - forecast.Values[h]);
                naiveError += Math.Abs(a - hourly[origin + h - 24]);
                actual += a;
                if (a >= forecast.Lower[h] && a <= forecast.Upper[h]) inside++;
                count++;
            }
        }
        report.Add("forecast back-test: 7 day-ahead forecasts, WAPE", $"{absError / actual * 100:0.00} %",
            $"{Days} simulated days, {actual / count:0} events/hour on average");
        report.Add("baseline: same hour a day earlier, WAPE", $"{naiveError / actual * 100:0.00} %", "seasonal naive");
        report.Add("actual hours inside the 95 % interval", $"{inside * 100.0 / count:0.0} %", $"{inside} of {count}");
    }
}
