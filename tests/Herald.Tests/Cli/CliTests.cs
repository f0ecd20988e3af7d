using Herald.Tests.Durability;

namespace Herald.Tests.Cli;

/// <summary>The `herald` command line, run as a real process on its own data folder.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "herald-cli", Guid.NewGuid().ToString("n"));

    [Fact]
    public async Task A_second_engine_writer_on_a_data_directory_is_refused_while_the_first_runs()
    {
        using (var server = await HeraldProcess.StartAsync(_dir, "hk_cli_admin"))
        {
            var (code, output) = await Herald("serve", "--urls", "http://127.0.0.1:0");
            Assert.Equal(2, code);
            Assert.Contains("in use by process", output);
            (code, output) = await Herald("simulate", "--direct", "--events", "10");
            Assert.NotEqual(0, code);
            Assert.Contains("in use by process", output);
            // Commands that only touch the directory still work beside the server.
            (code, _) = await Herald("teams", "list");
            Assert.Equal(0, code);
        }
        // Once the server stopped, the lock is free again.
        var (after, _) = await Herald("simulate", "--direct", "--events", "10");
        Assert.Equal(0, after);
    }

    [Theory]
    [InlineData("frobnicate", "now")]
    [InlineData("serve", "--bogus")]
    [InlineData("--urls", "http://127.0.0.1:0")]
    [InlineData("migrate", "sideways")]
    public async Task An_unknown_command_or_option_prints_the_usage_to_stderr_and_exits_2_without_serving(params string[] args)
    {
        var (code, stdout, stderr) = await HeraldSplit(args);
        Assert.Equal(2, code);
        Assert.Contains("Usage:", stderr);
        Assert.Contains("Unrecognized", stderr);
        Assert.DoesNotContain("Now listening", stdout + stderr);
        // Nothing was started on the data folder: no store was created.
        Assert.False(File.Exists(Path.Combine(_dir, "herald.db")), "a store was created by a command that does not exist");
    }

    [Fact]
    public async Task No_command_prints_the_help_and_does_not_start_the_server()
    {
        var (code, stdout, stderr) = await HeraldSplit();
        Assert.Equal(2, code);
        Assert.Contains("Commands:", stderr);
        Assert.Contains("serve", stderr);
        Assert.DoesNotContain("Now listening", stdout + stderr);
        Assert.False(File.Exists(Path.Combine(_dir, "herald.db")));
    }

    [Fact]
    public async Task Migrate_teams_and_keys_work_on_the_store_and_the_server_honours_them()
    {
        var (code, output) = await Herald("migrate", "up");
        Assert.Equal(0, code);
        Assert.Contains("applied", output);
        (code, output) = await Herald("migrate", "status");
        Assert.Equal(0, code);
        Assert.DoesNotContain("pending", output);

        // Down one step and up again: the newest migration reverts and re-applies cleanly.
        (code, output) = await Herald("migrate", "down");
        Assert.Equal(0, code);
        Assert.Contains("reverted", output);
        (code, output) = await Herald("migrate", "status");
        Assert.Contains("pending", output);
        (code, _) = await Herald("migrate", "up");
        Assert.Equal(0, code);

        (code, output) = await Herald("teams", "create", "cli-team");
        Assert.Equal(0, code);
        Assert.Contains("cli-team", output);
        (code, output) = await Herald("keys", "create", "--team", "cli-team", "--scopes", "metrics:read", "--rate-limit", "2/60s");
        Assert.Equal(0, code);
        string key = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last();
        Assert.StartsWith("hk_", key);
        string keyId = System.Text.RegularExpressions.Regex.Match(output, "key_[0-9a-f]+").Value;

        (code, output) = await Herald("keys", "create", "--team", "cli-team", "--scopes", "nonsense");
        Assert.Equal(2, code);
        Assert.Contains("unknown scope", output);

        // The server accepts the key the CLI made, with its limit, and refuses it once revoked.
        using (var server = await HeraldProcess.StartAsync(_dir, "hk_cli_admin"))
        {
            using var http = new HttpClient { BaseAddress = server.BaseAddress };
            http.DefaultRequestHeaders.Add("X-API-Key", key);
            Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/api/v1/metrics/summary")).StatusCode);
            Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/api/v1/metrics/summary")).StatusCode);
            Assert.Equal(System.Net.HttpStatusCode.TooManyRequests, (await http.GetAsync("/api/v1/metrics/summary")).StatusCode);
        }
        (code, output) = await Herald("keys", "revoke", keyId);
        Assert.Equal(0, code);
        (code, output) = await Herald("keys", "list");
        Assert.Contains("revoked", output);
        using (var server = await HeraldProcess.StartAsync(_dir, "hk_cli_admin"))
        {
            using var http = new HttpClient { BaseAddress = server.BaseAddress };
            http.DefaultRequestHeaders.Add("X-API-Key", key);
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await http.GetAsync("/api/v1/metrics/summary")).StatusCode);
        }
    }

    [Fact]
    public async Task Simulate_direct_fills_the_store_that_the_server_then_serves()
    {
        var (code, output) = await Herald("simulate", "--direct", "--events", "20000", "--seed", "9");
        Assert.Equal(0, code);
        Assert.Contains("0 rejected", output);
        var accepted = long.Parse(System.Text.RegularExpressions.Regex.Match(output, @"([\d,]+) accepted").Groups[1].Value.Replace(",", ""));
        Assert.True(accepted > 18_000, output);

        using var server = await HeraldProcess.StartAsync(_dir, "hk_cli_admin");
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        http.DefaultRequestHeaders.Add("X-API-Key", "hk_cli_admin");
        // The simulated clock starts on 2026-01-01; a wide window holds every event.
        var body = System.Text.Json.Nodes.JsonNode.Parse(await http.GetStringAsync("/api/v1/metrics/summary?from=2025-12-01T00:00:00Z&to=2026-03-01T00:00:00Z"))!;
        Assert.Equal(accepted, body["data"]!["events"]!.GetValue<long>());
    }

    private Task<(int Code, string Output)> Herald(params string[] args) => Support.HeraldCli.RunAsync(_dir, args);

    private Task<(int Code, string Stdout, string Stderr)> HeraldSplit(params string[] args) => Support.HeraldCli.RunSplitAsync(_dir, args);

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
