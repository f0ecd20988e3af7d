using System.Text.Json;

namespace Herald.Storage.Sqlite;

public sealed partial class SqliteStore : ISystemMetricStore
{
    public void InsertSystemMetrics(IReadOnlyList<SystemMetricPoint> points)
    {
        using var c = Open();
        using var tx = c.BeginTransaction();
        foreach (var p in points)
            Execute(c, tx, SqliteSql.InsertSystemMetric, ("$at", p.AtMs), ("$type", p.MetricType), ("$value", p.Value), ("$unit", p.Unit),
                ("$tags", p.TagsJson), ("$source", p.Source));
        tx.Commit();
    }

    public IReadOnlyList<SystemMetricPoint> ReadSystemMetrics(SystemMetricQuery query)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectSystemMetrics,
            ("$types", query.MetricTypes is { } types ? JsonSerializer.Serialize(types) : null),
            ("$sources", query.Sources is { } sources ? JsonSerializer.Serialize(sources) : null),
            ("$from", query.FromMs), ("$to", query.ToMs), ("$before_at", query.Before?.AtMs), ("$before_id", query.Before?.Id), ("$limit", query.Limit));
        using var r = cmd.ExecuteReader();
        var points = new List<SystemMetricPoint>();
        while (r.Read())
            points.Add(new SystemMetricPoint(r.GetInt64(1), r.GetString(2), r.GetDouble(3), r.IsDBNull(4) ? null : r.GetString(4),
                r.IsDBNull(5) ? null : r.GetString(5), r.GetString(6), r.GetInt64(0)));
        return points;
    }

    public int DeleteSystemMetricsBefore(long beforeMs)
    {
        using var c = Open();
        return Execute(c, null, SqliteSql.DeleteSystemMetricsBefore, ("$before", beforeMs));
    }
}
