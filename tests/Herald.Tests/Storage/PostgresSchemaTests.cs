using System.Net;
using Herald.Tests.Api;
using Herald.Tests.Support;
using Npgsql;

namespace Herald.Tests.Storage;

/// <summary>PostgreSQL's schema: <c>herald migrate</c> up, status and down, and the keys that let Citus distribute it by team.</summary>
public sealed class PostgresSchemaTests
{
    /// <summary>Tables shared by every team (the directory's and the schema's own); every other table belongs to one team.</summary>
    private static readonly string[] ClusterWideTables = ["teams", "api_keys", "schema_migrations", "engine_checkpoint", "data_keys"];

    [Fact]
    public async Task Migrate_up_status_and_down_work_on_postgres()
    {
        string cs = PostgresCluster.Shared.CreateDatabase("migrate");
        var env = new Dictionary<string, string> { ["Herald__Store__Provider"] = "postgres", ["Herald__Store__ConnectionString"] = cs };
        string dir = Path.Combine(Path.GetTempPath(), "herald-tests", Guid.NewGuid().ToString("n"));

        var (code, output, error) = await HeraldCli.RunSplitAsync(dir, env, "migrate", "up");
        Assert.True(code == 0, output + error);
        Assert.Contains("applied 1: directory", output);
        Assert.Contains("applied 2: engine", output);
        Assert.Contains("events", Tables(cs));
        Assert.DoesNotContain("password", output + error, StringComparison.OrdinalIgnoreCase);

        (code, output, error) = await HeraldCli.RunSplitAsync(dir, env, "migrate", "status");
        Assert.True(code == 0, output + error);
        Assert.DoesNotContain("pending", output);
        Assert.Contains("postgres://127.0.0.1", output);

        (code, output, _) = await HeraldCli.RunSplitAsync(dir, env, "migrate", "down");
        Assert.Equal(0, code);
        Assert.Contains("reverted 3", output);
        Assert.DoesNotContain("data_keys", Tables(cs));
        (code, output, _) = await HeraldCli.RunSplitAsync(dir, env, "migrate", "down");
        Assert.Equal(0, code);
        Assert.Contains("reverted 2", output);
        Assert.DoesNotContain("events", Tables(cs));
        Assert.Contains("teams", Tables(cs));

        (code, output, _) = await HeraldCli.RunSplitAsync(dir, env, "migrate", "down", "--to", "0");
        Assert.Equal(0, code);
        Assert.Equal(["schema_migrations"], Tables(cs));

        (code, output, _) = await HeraldCli.RunSplitAsync(dir, env, "migrate", "up");
        Assert.Equal(0, code);
        Assert.Contains("applied 2", output);
        Assert.False(Directory.Exists(dir) && Directory.EnumerateFiles(dir, "*.db").Any(), "no SQLite file is made on postgres");
    }

    [Fact]
    public async Task Every_primary_and_unique_key_of_a_team_table_starts_with_the_team()
    {
        string cs = PostgresCluster.Shared.CreateDatabase("keys");
        var env = new Dictionary<string, string> { ["Herald__Store__Provider"] = "postgres", ["Herald__Store__ConnectionString"] = cs };
        var (code, output, error) = await HeraldCli.RunSplitAsync(Path.GetTempPath(), env, "migrate", "up");
        Assert.True(code == 0, output + error);

        using var c = new NpgsqlConnection(cs);
        c.Open();
        // Every unique index (primary keys and unique constraints are backed by one), with its first column.
        using var cmd = new NpgsqlCommand("""
            SELECT t.relname, i.relname, a.attname
            FROM pg_index x
            JOIN pg_class t ON t.oid = x.indrelid
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace
            JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0]
            WHERE n.nspname = 'public' AND x.indisunique
            """, c);
        var keys = new List<(string Table, string Index, string First)>();
        using (var r = cmd.ExecuteReader())
            while (r.Read()) keys.Add((r.GetString(0), r.GetString(1), r.GetString(2)));
        var teamTables = Tables(cs).Except(ClusterWideTables).ToList();
        Assert.Contains("events", teamTables);
        Assert.Contains("rollups", teamTables);
        foreach (var table in teamTables)
        {
            Assert.True(keys.Any(k => k.Table == table), $"{table} has no primary key");
            foreach (var k in keys.Where(k => k.Table == table))
                Assert.True(k.First == "team_id", $"{k.Index} on {table} starts with {k.First}, not team_id");
        }
    }

    private static List<string> Tables(string cs)
    {
        using var c = new NpgsqlConnection(cs);
        c.Open();
        using var cmd = new NpgsqlCommand("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename", c);
        using var r = cmd.ExecuteReader();
        var tables = new List<string>();
        while (r.Read()) tables.Add(r.GetString(0));
        return tables;
    }
}

/// <summary>Features not on PostgreSQL yet answer 501 not_available_on_postgres, naming the feature, and change nothing.</summary>
public sealed class PostgresUnportedFeatureTests(PostgresSharedServer shared) : IClassFixture<PostgresSharedServer>
{
    [Theory]
    [InlineData("/api/v1/alerts", "alert")]
    [InlineData("/api/v1/audit", "audit")]
    [InlineData("/api/v1/calls", "call")]
    [InlineData("/api/v1/customers", "customer")]
    public async Task An_unported_feature_answers_501_naming_it(string path, string feature)
    {
        var (_, client) = await shared.NewTeamAsync("metrics:read", "deliveries:read");
        var response = await (path.Contains("audit", StringComparison.Ordinal) ? shared.Server.Admin : client).GetAsync(path);
        await Kit.AssertError(response, HttpStatusCode.NotImplemented, code: "not_available_on_postgres");
        var body = await HeraldServer.ReadBody(response);
        Assert.StartsWith(feature, body["error"]!["details"]![0]!["issue"]!.GetValue<string>());
    }
}
