using Herald.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace Herald.Tests.Alerts;

public sealed class AlertMigrationTests
{
    private static readonly string[] Tables = ["alert_rules", "alert_rule_defaults", "alerts", "alert_channels", "alert_notifications", "retention_horizons", "maintenance_runs"];

    private static HashSet<string> TablesOf(string path)
    {
        using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT name FROM sqlite_schema WHERE type = 'table'";
        using var r = cmd.ExecuteReader();
        var names = new HashSet<string>();
        while (r.Read()) names.Add(r.GetString(0));
        return names;
    }

    [Fact]
    public void Migration_8_is_in_order_and_goes_down_and_up()
    {
        string dir = Path.Combine(Path.GetTempPath(), "herald-tests", Guid.NewGuid().ToString("n"));
        try
        {
            using var store = new SqliteStore(Path.Combine(dir, "m.db"));
            var versions = store.Migrations.Select(m => m.Version).ToList();
            Assert.Equal(versions.Order().ToList(), versions);
            Assert.Contains(8, versions);
            store.MigrateUp(8);
            Assert.Superset(Tables.ToHashSet(), TablesOf(store.Path));
            Assert.Contains(store.MigrateDown(7), m => m.Version == 8);
            Assert.Empty(TablesOf(store.Path).Intersect(Tables));
            Assert.Contains(store.MigrateUp(8), m => m.Version == 8);
            Assert.Superset(Tables.ToHashSet(), TablesOf(store.Path));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }
}
