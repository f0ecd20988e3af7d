using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

public sealed partial class SqliteStore : IIndexStatsStore
{
    private PlannerMaintenance _planner = new(null, null, null);

    public IReadOnlyList<IndexStats> IndexStats()
    {
        using var c = Open();
        var stats = new Dictionary<string, string>(StringComparer.Ordinal);
        if (HasPlannerStats(c))
        {
            using var cmd = Command(c, SqliteSql.SelectPlannerStats);
            using var r = cmd.ExecuteReader();
            while (r.Read()) stats[r.GetString(0)] = r.GetString(1);
        }
        var list = new List<IndexStats>();
        using (var cmd = Command(c, SqliteSql.SelectIndexes))
        using (var r = cmd.ExecuteReader())
            while (r.Read())
            {
                string name = r.GetString(0);
                long? rows = null, perKey = null;
                if (stats.TryGetValue(name, out var stat))
                {
                    var parts = stat.Split(' ');
                    if (parts.Length > 0 && long.TryParse(parts[0], CultureInfo.InvariantCulture, out long n)) rows = n;
                    if (parts.Length > 1 && long.TryParse(parts[1], CultureInfo.InvariantCulture, out long k)) perKey = k;
                }
                list.Add(new IndexStats(name, r.GetString(1), rows, perKey));
            }
        return list;
    }

    public void OptimizePlanner(long nowMs)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            using var c = Open();
            using var cmd = Command(c, HasPlannerStats(c) && Count(c, SqliteSql.CountUnanalyzedIndexes) == 0 ? SqliteSql.OptimizePlanner : SqliteSql.AnalyzePlanner);
            cmd.ExecuteNonQuery();
            _planner = new PlannerMaintenance(nowMs, watch.ElapsedMilliseconds, null);
        }
        catch (SqliteException e)
        {
            _planner = new PlannerMaintenance(nowMs, watch.ElapsedMilliseconds, e.Message);
            throw;
        }
    }

    public PlannerMaintenance LastPlannerMaintenance() => _planner;

    private static bool HasPlannerStats(SqliteConnection c) => Count(c, SqliteSql.HasPlannerStats) > 0;

    private static long Count(SqliteConnection c, string sql)
    {
        using var cmd = Command(c, sql);
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
