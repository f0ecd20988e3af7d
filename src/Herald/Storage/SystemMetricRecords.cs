namespace Herald.Storage;

/// <summary>One point of the system metrics time series: what was measured (<see cref="MetricType"/>) where (<see cref="Source"/>).</summary>
public sealed record SystemMetricPoint(long AtMs, string MetricType, double Value, string? Unit, string? TagsJson, string Source, long Id = 0);

/// <summary>Which points to read: types and sources (any when null), the time range [from, to), newest first below the cursor.</summary>
public sealed record SystemMetricQuery(
    IReadOnlyList<string>? MetricTypes, IReadOnlyList<string>? Sources, long? FromMs, long? ToMs, (long AtMs, long Id)? Before, int Limit);

public interface ISystemMetricStore
{
    void InsertSystemMetrics(IReadOnlyList<SystemMetricPoint> points);

    /// <summary>The points <paramref name="query"/> selects, newest first (by time, then id).</summary>
    IReadOnlyList<SystemMetricPoint> ReadSystemMetrics(SystemMetricQuery query);

    /// <summary>Deletes the points taken before <paramref name="beforeMs"/>; answers how many.</summary>
    int DeleteSystemMetricsBefore(long beforeMs);
}
