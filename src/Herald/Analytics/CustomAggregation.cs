using Herald.Domain;

namespace Herald.Analytics;

/// <summary>One row of a custom aggregation: the group's key values (dimension values and/or a bucket) and its value.</summary>
public sealed record AggregationRow(IReadOnlyDictionary<string, string?> Group, double? Value, long Items);

/// <summary>
/// Seed 004's custom aggregations: a metric, how to aggregate it, grouped by up to two dimensions and/or a time bucket.
/// Counts (<c>events</c>, <c>items</c>, <c>delivered</c>, <c>failed</c>, <c>cost</c>) aggregate by <c>sum</c>;
/// rates (<c>delivery_rate</c>, <c>failure_rate</c>) are the group's rate (<c>avg</c>); <c>delivery_time</c> (seconds) takes
/// <c>avg</c>, <c>min</c>, <c>max</c> or <c>percentile</c> from the group's merged latency histogram (within 1.5 %).
/// Every group is read from the rollups: a breakdown per dimension, a timeseries per time bucket.
/// </summary>
public sealed class CustomAggregation(MetricsQuery metrics)
{
    public const int MaxGroups = 2_000;

    public static readonly string[] Metrics = ["events", "items", "delivered", "failed", "cost", "delivery_rate", "failure_rate", "delivery_time"];

    /// <summary>Null when the pair is allowed, else why not.</summary>
    public static string? Check(string metric, string aggregation) => (metric, aggregation) switch
    {
        ("events" or "items" or "delivered" or "failed" or "cost", "sum") => null,
        ("delivery_rate" or "failure_rate", "avg") => null,
        ("delivery_time", "avg" or "min" or "max" or "percentile") => null,
        ("events" or "items" or "delivered" or "failed" or "cost", _) => $"{metric} is a count: aggregate it with sum",
        ("delivery_rate" or "failure_rate", _) => $"{metric} is the group's rate: aggregate it with avg",
        ("delivery_time", _) => "delivery_time takes avg, min, max or percentile",
        _ => $"unknown metric; one of {string.Join(", ", Metrics)}",
    };

    public IReadOnlyList<AggregationRow> Run(
        IReadOnlyList<int> teams, MetricFilter filter, UtcMinute from, UtcMinute to, string metric, string aggregation, double percentile,
        IReadOnlyList<Dimension> dimensions, Granularity? bucket, Func<int, string> teamName)
    {
        var rows = new List<AggregationRow>();
        Expand(teams, filter, from, to, dimensions, 0, new Dictionary<string, string?>(), bucket, teamName, (group, totals) =>
        {
            if (rows.Count >= MaxGroups) throw new ArgumentException($"more than {MaxGroups} groups; narrow the filters or the grouping");
            rows.Add(new AggregationRow(group, ValueOf(totals, metric, aggregation, percentile), totals.Total));
        });
        return rows;
    }

    private void Expand(
        IReadOnlyList<int> teams, MetricFilter filter, UtcMinute from, UtcMinute to, IReadOnlyList<Dimension> dimensions, int depth,
        Dictionary<string, string?> group, Granularity? bucket, Func<int, string> teamName, Action<IReadOnlyDictionary<string, string?>, MetricTotals> emit)
    {
        if (depth == dimensions.Count)
        {
            if (bucket is not { } g)
            {
                emit(new Dictionary<string, string?>(group), metrics.Summary(teams, filter, from, to));
                return;
            }
            foreach (var (start, totals) in metrics.Timeseries(teams, filter, from, to, g))
                emit(new Dictionary<string, string?>(group) { [Granularities.Name(g)] = start.ToString() }, totals);
            return;
        }
        var d = dimensions[depth];
        foreach (var (key, totals) in metrics.Breakdown(teams, filter, d, from, to, teamName))
        {
            if (totals.Total == 0 && totals.Events == 0) continue;
            group[Dimensions.Name(d)] = key;
            if (depth + 1 == dimensions.Count && bucket is null)
            {
                emit(new Dictionary<string, string?>(group), totals);
                continue;
            }
            // Deeper levels narrow the filter to this value; the group of items lacking the dimension cannot be narrowed to.
            if (key is null) continue;
            var narrowed = filter.With(d, key);
            Expand(teams, narrowed, from, to, dimensions, depth + 1, group, bucket, teamName, emit);
        }
        group.Remove(Dimensions.Name(d));
    }

    private static double? ValueOf(MetricTotals t, string metric, string aggregation, double percentile) => metric switch
    {
        "events" => t.Events,
        "items" => t.Total,
        "delivered" => t.Delivered,
        "failed" => t.Failed,
        "cost" => t.Cost,
        "delivery_rate" => t.DeliveryRatePercent,
        "failure_rate" => t.FailureRatePercent,
        _ when t.Cells.LatencyCount == 0 => null,
        _ => aggregation switch
        {
            "avg" => Math.Round(t.Latency!.Avg, 4),
            "min" => Math.Round(t.PercentileMs(0) / 1000.0, 4),
            "max" => Math.Round(t.PercentileMs(100) / 1000.0, 4),
            _ => Math.Round(t.PercentileMs(percentile) / 1000.0, 4),
        },
    };
}
