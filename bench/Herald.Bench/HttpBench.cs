using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Herald.Simulation;

namespace Herald.Bench;

/// <summary>
/// HTTP ingest on loopback: a real `herald serve` child process, batches of 500 events posted by 4
/// concurrent clients; the server's resident memory is sampled from /proc while it ingests.
/// </summary>
public static class HttpBench
{
    private const int Batch = 500;
    private const int Concurrency = 4;

    public static async Task RunAsync(BenchOptions o, Report report)
    {
        var run = await IngestAsync(o, Path.Combine(o.Dir, "http"));
        report.Add($"HTTP ingest, batches of {Batch}, {Concurrency} clients", $"{run.EventsPerSecond:N0} events/s",
            $"{run.Events:N0} events in {run.Seconds:F1} s; {run.Throttled} answers 429");
        report.Add("server peak RSS while ingesting", $"{run.PeakRss / 1_000_000} MB", "sampled from /proc every 100 ms");
    }

    /// <summary>One HTTP ingest run into a fresh <paramref name="dataDir"/>, the server started with <paramref name="environment"/>.</summary>
    public static async Task<(double EventsPerSecond, long Events, double Seconds, long Throttled, long PeakRss)> IngestAsync(
        BenchOptions o, string dataDir, IReadOnlyDictionary<string, string>? environment = null)
    {
        if (Directory.Exists(dataDir)) Directory.Delete(dataDir, true);
        await using var server = await HeraldChild.StartAsync(dataDir, environment);
        {
            using var http = server.Client();

            var generator = new TrafficGenerator(IngestBench.Profile(o.HttpEvents) with { Seed = 99 });
            var keys = new Dictionary<string, string>();
            foreach (var team in generator.TeamNames)
            {
                var t = await http.PostAsJsonAsync("/api/v1/teams", new { name = team });
                string id = JsonNode.Parse(await t.Content.ReadAsStringAsync())!["data"]!["id"]!.GetValue<string>();
                var k = await http.PostAsJsonAsync("/api/v1/keys", new { team_id = id, name = "bench", scopes = new[] { "events:write" } });
                keys[team] = JsonNode.Parse(await k.Content.ReadAsStringAsync())!["data"]!["key"]!.GetValue<string>();
            }

            Console.WriteLine($"http: preparing {o.HttpEvents:N0} events as JSON bodies of {Batch}");
            var bodies = new List<(string Key, byte[] Body, int Count)>();
            var writer = new EventJsonWriter();
            var pending = new Dictionary<string, List<Herald.Domain.IncomingEvent>>();
            foreach (var e in generator.Generate(o.HttpEvents))
            {
                var list = pending.TryGetValue(e.TeamName, out var l) ? l : pending[e.TeamName] = new();
                list.Add(e.Event);
                if (list.Count == Batch)
                {
                    bodies.Add((keys[e.TeamName], writer.Write(list).ToArray(), list.Count));
                    list.Clear();
                }
            }
            foreach (var (team, list) in pending)
                if (list.Count > 0) bodies.Add((keys[team], writer.Write(list).ToArray(), list.Count));

            long peakRss = 0;
            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    peakRss = Math.Max(peakRss, server.RssBytes());
                    await Task.Delay(100);
                }
            });

            int next = -1;
            long accepted = 0, throttled = 0;
            var sw = Stopwatch.StartNew();
            var workers = Enumerable.Range(0, Concurrency).Select(async _ =>
            {
                using var client = new HttpClient { BaseAddress = http.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
                while (true)
                {
                    int i = Interlocked.Increment(ref next);
                    if (i >= bodies.Count) return;
                    while (true)
                    {
                        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events")
                        {
                            Content = new ByteArrayContent(bodies[i].Body) { Headers = { ContentType = new("application/json") } },
                        };
                        request.Headers.Add("X-API-Key", bodies[i].Key);
                        using var response = await client.SendAsync(request);
                        if (response.StatusCode == HttpStatusCode.TooManyRequests)
                        {
                            Interlocked.Increment(ref throttled);
                            await Task.Delay(200);
                            continue;
                        }
                        response.EnsureSuccessStatusCode();
                        var data = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["data"]!;
                        Interlocked.Add(ref accepted, data["accepted"]!.GetValue<long>() + data["duplicates"]!.GetValue<long>());
                        break;
                    }
                }
            }).ToArray();
            await Task.WhenAll(workers);
            sw.Stop();
            sampling.Cancel();
            await sampler;
            long total = bodies.Sum(b => (long)b.Count);
            return (total / sw.Elapsed.TotalSeconds, total, sw.Elapsed.TotalSeconds, throttled, peakRss);
        }
    }

}
