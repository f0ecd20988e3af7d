using System.CommandLine;
using Herald.Simulation;
using Spectre.Console;

namespace Herald.Cli;

/// <summary><c>herald simulate</c>: realistic traffic into a running server over HTTP, with a progress bar.</summary>
public static class SimulateCommand
{
    public static Command Create()
    {
        var url = new Option<string>("--url") { Description = "The Herald server", DefaultValueFactory = _ => "http://localhost:5000" };
        var key = new Option<string?>("--key") { Description = "An admin key (teams are created as needed); default HERALD_ADMIN_KEY" };
        var events = new Option<long>("--events") { Description = "Events to send", DefaultValueFactory = _ => 100_000 };
        var rate = new Option<double>("--rate") { Description = "Events per second; 0 = as fast as possible", DefaultValueFactory = _ => 0 };
        var teams = new Option<int>("--teams") { Description = "Number of teams", DefaultValueFactory = _ => 3 };
        var seed = new Option<int>("--seed") { Description = "Random seed (same seed, same traffic)", DefaultValueFactory = _ => 42 };
        var batch = new Option<int>("--batch") { Description = "Events per request", DefaultValueFactory = _ => 500 };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests in flight", DefaultValueFactory = _ => 4 };
        var realTime = new Option<bool>("--real-time") { Description = "occurred_at follows the wall clock instead of a simulated clock from 2026-01-01" };
        var direct = new Option<bool>("--direct") { Description = "Write straight into the store of HERALD_DATA_DIR instead of over HTTP (no server may run on it)" };
        var command = new Command("simulate", "Send realistic delivery traffic to a running Herald server, or straight into a store")
        {
            url, key, events, rate, teams, seed, batch, concurrency, realTime, direct,
        };
        command.SetAction(async (parse, ct) =>
        {
            var profile = new SimulationProfile
            {
                Seed = parse.GetValue(seed),
                Teams = parse.GetValue(teams),
                RealTime = parse.GetValue(realTime),
            };
            if (parse.GetValue(direct))
            {
                try
                {
                    return await DirectSimulation.RunAsync(new TrafficGenerator(profile), parse.GetValue(events), parse.GetValue(batch), parse.GetValue(rate), ct);
                }
                catch (Storage.DataDirectoryInUseException e)
                {
                    await Console.Error.WriteLineAsync("herald: " + e.Message);
                    return 2;
                }
            }

            string baseUrl = parse.GetValue(url)!.TrimEnd('/');
            string? adminKey = parse.GetValue(key) ?? Environment.GetEnvironmentVariable("HERALD_ADMIN_KEY");
            if (adminKey is null)
            {
                AnsiConsole.MarkupLine("[red]--key (an admin key) is required, or set HERALD_ADMIN_KEY[/]");
                return 2;
            }
            var generator = new TrafficGenerator(profile);
            using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
            var keys = await SimulationTeams.EnsureKeysAsync(http, baseUrl, adminKey, generator.TeamNames, ct);
            await using var sender = new HttpEventSender(http, baseUrl, keys, parse.GetValue(concurrency));
            long total = parse.GetValue(events);
            SimulationProgress last = default;
            await WithProgressBar(total, async progress =>
            {
                var runner = new SimulationRunner(generator, sender.SendAsync, total, parse.GetValue(batch), parse.GetValue(rate), progress);
                last = await runner.RunAsync(ct);
                await sender.FlushAsync(ct);
            });
            var totals = sender.Totals;
            AnsiConsole.MarkupLineInterpolated($"sent {last.Sent:N0} events in {last.Elapsed.TotalSeconds:F1} s ({last.EventsPerSecond:N0}/s): {totals}");
            return 0;
        });
        return command;
    }

    /// <summary>A Spectre progress bar fed by the simulation runner's progress reports.</summary>
    internal static Task WithProgressBar(long total, Func<IProgress<SimulationProgress>, Task> run) =>
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask($"sending {total:N0} events", maxValue: total);
                await run(new Progress<SimulationProgress>(p =>
                {
                    task.Value = p.Sent;
                    task.Description = $"{p.Sent:N0} events, {p.RecentEventsPerSecond:N0}/s";
                }));
                task.Value = total;
            });
}

/// <summary>Makes sure the simulator's teams exist and each has an events:write key.</summary>
public static class SimulationTeams
{
    private static readonly string[] IngestScopes = ["events:write"];

    public static async Task<Dictionary<string, string>> EnsureKeysAsync(HttpClient http, string baseUrl, string adminKey, IReadOnlyList<string> teamNames, CancellationToken ct)
    {
        async Task<System.Text.Json.Nodes.JsonNode> Send(HttpMethod method, string path, object? body)
        {
            using var request = new HttpRequestMessage(method, baseUrl + path);
            request.Headers.Add("X-API-Key", adminKey);
            if (body is not null) request.Content = System.Net.Http.Json.JsonContent.Create(body);
            using var response = await http.SendAsync(request, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode && response.StatusCode != System.Net.HttpStatusCode.Conflict)
                throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {text}");
            return System.Text.Json.Nodes.JsonNode.Parse(text)!;
        }

        var existing = (await Send(HttpMethod.Get, "/api/v1/teams", null))["data"]!.AsArray();
        var keys = new Dictionary<string, string>();
        foreach (var name in teamNames)
        {
            string? id = existing.FirstOrDefault(t => t!["name"]!.GetValue<string>() == name)?["id"]!.GetValue<string>();
            id ??= (await Send(HttpMethod.Post, "/api/v1/teams", new { name }))["data"]!["id"]!.GetValue<string>();
            var key = await Send(HttpMethod.Post, "/api/v1/keys", new { team_id = id, name = "herald simulate", scopes = IngestScopes });
            keys[name] = key["data"]!["key"]!.GetValue<string>();
        }
        return keys;
    }
}
