using System.Text.Json.Nodes;
using Herald.Tests.Durability;

namespace Herald.Tests.Snapshots;

/// <summary><c>herald jobs</c> as a real process on its own data folder, then a server over the snapshots it wrote.</summary>
public sealed class JobsCliTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "herald-cli", Guid.NewGuid().ToString("n"));

    [Fact]
    public async Task Jobs_run_backfills_on_the_store_and_is_refused_while_a_server_holds_it()
    {
        var (code, output) = await Herald("simulate", "--direct", "--events", "6000", "--seed", "5");
        Assert.Equal(0, code);

        // The simulated clock starts on 2026-01-01.
        (code, output) = await Herald("jobs", "run", "daily", "--from", "2026-01-01", "--to", "2026-01-03");
        Assert.True(code == 0, output);
        Assert.Contains("daily-analytics-snapshot: success, 3 periods (2026-01-01 .. 2026-01-03)", output);
        (code, output) = await Herald("jobs", "run", "monthly-analytics-snapshot", "--date", "2026-01-15");
        Assert.True(code == 0, output);
        Assert.Contains("1 periods (2026-01-01 .. 2026-01-01)", output);
        // Run again: the same rows are replaced.
        (code, _) = await Herald("jobs", "run", "daily", "--date", "2026-01-01");
        Assert.Equal(0, code);

        (code, output) = await Herald("jobs", "run", "yearly");
        Assert.Equal(2, code);
        Assert.Contains("no job 'yearly'", output);
        (code, output) = await Herald("jobs", "run", "daily", "--from", "2026-01-01");
        Assert.Equal(2, code);
        Assert.Contains("--to", output);
        (code, output) = await Herald("jobs", "list");
        Assert.Equal(0, code);
        Assert.Contains("0 0 3 ? * MON", output);

        using var server = await HeraldProcess.StartAsync(_dir, "hk_cli_admin", new Dictionary<string, string> { ["Herald__Jobs__Enabled"] = "false" });
        (code, output) = await Herald("jobs", "run", "daily", "--date", "2026-01-01");
        Assert.Equal(2, code);
        Assert.Contains("in use by process", output);

        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        http.DefaultRequestHeaders.Add("X-API-Key", "hk_cli_admin");
        var teams = JsonNode.Parse(await http.GetStringAsync("/api/v1/teams"))!["data"]!.AsArray();
        Assert.NotEmpty(teams);
        long messages = 0;
        foreach (var team in teams)
        {
            string id = team!["id"]!.GetValue<string>();
            var rows = JsonNode.Parse(await http.GetStringAsync($"/api/v1/analytics/snapshots?team={id}&from=2026-01-01&to=2026-01-03"))!["data"]!.AsArray();
            Assert.Equal(["2026-01-01", "2026-01-02", "2026-01-03"], rows.Select(r => r!["date"]!.GetValue<string>()).ToArray());
            foreach (var row in rows)
            {
                // The snapshot's figures are the engine's: the same window through /api/v1/metrics/summary.
                string day = row!["date"]!.GetValue<string>();
                string window = $"from={day}T00:00:00Z&to={DateOnly.Parse(day).AddDays(1):yyyy-MM-dd}T00:00:00Z&team={id}";
                var all = JsonNode.Parse(await http.GetStringAsync($"/api/v1/metrics/summary?{window}"))!["data"]!;
                var msg = JsonNode.Parse(await http.GetStringAsync($"/api/v1/metrics/summary?{window}&kind=message"))!["data"]!;
                Assert.Equal(all["total"]!.GetValue<long>(), row["metrics"]!["all_items"]!["total"]!.GetValue<long>());
                Assert.Equal(all["events"]!.GetValue<long>(), row["metrics"]!["all_items"]!["events"]!.GetValue<long>());
                Assert.Equal(msg["total"]!.GetValue<long>(), row["metrics"]!["messages"]!["total"]!.GetValue<long>());
                messages += msg["total"]!.GetValue<long>();
            }
            var monthly = JsonNode.Parse(await http.GetStringAsync($"/api/v1/analytics/snapshots?team={id}&type=monthly&from=2026-01-01&to=2026-01-31"))!["data"]!.AsArray();
            Assert.Equal("2026-01-01", Assert.Single(monthly)!["date"]!.GetValue<string>());
        }
        Assert.True(messages > 0);
    }

    private Task<(int Code, string Output)> Herald(params string[] args) => Support.HeraldCli.RunAsync(_dir, args);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
