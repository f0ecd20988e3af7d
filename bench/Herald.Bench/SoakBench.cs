using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Herald.Bench;

/// <summary>
/// The soak: a real `herald serve` child ingesting at a steady rate (by default half of the capacity this bench first
/// measures on the same server) while a reader asks the dashboard's questions, for <c>--minutes</c>. Per minute it records
/// the events accepted, errors, the server's RSS and the queries' p50/p99, and prints a progress line. The verdicts: RSS after
/// warm-up (the first sixth) within 10 % of its lowest, zero errors, and the last minute's query p99 against the first's.
/// </summary>
public static class SoakBench
{
    private const int Batch = 500;
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private static readonly string[] Questions =
    [
        "/api/v1/metrics/summary?{0}", "/api/v1/metrics/timeseries?granularity=hour&{0}", "/api/v1/metrics/breakdown?by=provider&{0}",
        "/api/v1/failures?limit=20&{0}",
    ];

    private sealed class WindowStats
    {
        public long Accepted;
        public long Errors;
        public readonly List<double> QueryMs = new();
    }

    public static async Task RunAsync(BenchOptions o, Report report)
    {
        string dataDir = Path.Combine(o.Dir, "soak");
        if (Directory.Exists(dataDir)) Directory.Delete(dataDir, true);
        await using var server = await HeraldChild.StartAsync(dataDir);
        using var admin = server.Client();
        var team = JsonNode.Parse(await (await admin.PostAsJsonAsync("/api/v1/teams", new { name = "soak" })).Content.ReadAsStringAsync())!["data"]!;
        var created = await admin.PostAsJsonAsync("/api/v1/keys", new { team_id = team["id"]!.GetValue<string>(), name = "soak", scopes = new[] { "events:write", "metrics:read" } });
        string key = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["data"]!["key"]!.GetValue<string>();
        using var client = server.Client(key);
        long next = 0;

        int rate = o.Rate;
        if (rate <= 0)
        {
            var capacity = Stopwatch.StartNew();
            long sent = 0;
            await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
            {
                while (capacity.Elapsed < TimeSpan.FromSeconds(20))
                    if (await PostAsync(client, Interlocked.Add(ref next, Batch) - Batch)) Interlocked.Add(ref sent, Batch);
            }));
            double measured = sent / capacity.Elapsed.TotalSeconds;
            rate = (int)(measured / 2);
            report.Add("soak: measured HTTP ingest capacity (4 clients, 20 s)", $"{measured:N0} events/s", $"the soak runs at half: {rate:N0} events/s");
        }

        int windows = Math.Max(1, (int)Math.Round(o.Minutes / Window.TotalMinutes));
        var stats = Enumerable.Range(0, windows).Select(_ => new WindowStats()).ToArray();
        var rss = new long[windows];
        var clock = Stopwatch.StartNew();
        var end = Window * windows;
        int WindowOf() => Math.Min(windows - 1, (int)(clock.Elapsed / Window));

        var writer = Task.Run(async () =>
        {
            var interval = TimeSpan.FromSeconds((double)Batch / rate);
            long batches = 0;
            while (clock.Elapsed < end)
            {
                var due = interval * batches++;
                if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
                var w = stats[WindowOf()];
                try
                {
                    if (await PostAsync(client, Interlocked.Add(ref next, Batch) - Batch)) Interlocked.Add(ref w.Accepted, Batch);
                    else Interlocked.Increment(ref w.Errors);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref w.Errors);
                }
            }
        });
        var reader = Task.Run(async () =>
        {
            int q = 0;
            while (clock.Elapsed < end)
            {
                var now = DateTimeOffset.UtcNow;
                string window = $"from={Iso(now.AddHours(-24))}&to={Iso(now.AddMinutes(1))}";
                var w = stats[WindowOf()];
                var sw = Stopwatch.StartNew();
                try
                {
                    using var response = await client.GetAsync(string.Format(CultureInfo.InvariantCulture, Questions[q++ % Questions.Length], window));
                    await response.Content.ReadAsByteArrayAsync();
                    if (!response.IsSuccessStatusCode) Interlocked.Increment(ref w.Errors);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // A timed-out question is an error of its minute, not the end of the soak.
                    Interlocked.Increment(ref w.Errors);
                }
                lock (w.QueryMs) w.QueryMs.Add(sw.Elapsed.TotalMilliseconds);
                await Task.Delay(50);
            }
        });
        for (int i = 0; i < windows; i++)
        {
            var due = Window * (i + 1) - clock.Elapsed;
            if (due > TimeSpan.Zero) await Task.Delay(due);
            rss[i] = server.RssBytes();
            var (p50, p99) = Percentiles(stats[i]);
            Console.WriteLine($"soak [{i + 1}/{windows} min] {stats[i].Accepted / Window.TotalSeconds:N0} events/s · RSS {rss[i] / 1_000_000} MB · " +
                              $"queries p50 {p50:F1} ms p99 {p99:F1} ms · errors {stats[i].Errors}");
        }
        await Task.WhenAll(writer, reader);

        int warm = Math.Max(1, windows / 6);
        var steady = Enumerable.Range(warm, windows - warm).ToList();
        if (steady.Count == 0) steady = [windows - 1];
        long low = steady.Min(i => rss[i]), high = steady.Max(i => rss[i]);
        long errors = stats.Sum(s => s.Errors);
        var firstP99 = Percentiles(stats[steady[0]]).P99;
        var lastP99 = Percentiles(stats[steady[^1]]).P99;
        report.Add($"soak: {windows} min at {rate:N0} events/s", $"{stats.Sum(s => s.Accepted):N0} events accepted", $"{errors} errors (target 0)");
        report.Add("soak: RSS after warm-up", $"{low / 1_000_000}–{high / 1_000_000} MB", $"spread {(high - low) * 100.0 / Math.Max(1, low):F1} % (target within 10 %); warm-up {warm} min");
        report.Add("soak: query p99, first and last steady minute", $"{firstP99:F1} ms → {lastP99:F1} ms", $"ratio {lastP99 / Math.Max(0.001, firstP99):F2}");
        var table = new StringBuilder("| minute | events/s | RSS MB | p50 ms | p99 ms | errors |\n|---|---|---|---|---|---|\n");
        for (int i = 0; i < windows; i++)
        {
            var (p50, p99) = Percentiles(stats[i]);
            table.Append(CultureInfo.InvariantCulture, $"| {i + 1} | {stats[i].Accepted / Window.TotalSeconds:N0} | {rss[i] / 1_000_000} | {p50:F1} | {p99:F1} | {stats[i].Errors} |\n");
        }
        Console.WriteLine();
        Console.Write(table);
    }

    private static async Task<bool> PostAsync(HttpClient client, long first)
    {
        var events = new JsonArray();
        string now = Iso(DateTimeOffset.UtcNow);
        for (long n = first; n < first + Batch; n++)
        {
            // Two of three items get an outcome; one in five outcomes is a failure with a code.
            string item = $"soak-{n / 2}";
            bool outcome = n % 2 == 1;
            events.Add(new JsonObject
            {
                ["event_id"] = $"s-{n}", ["item_id"] = item, ["status"] = !outcome ? "sent" : n % 10 == 1 ? "failed" : "delivered",
                ["occurred_at"] = now, ["channel"] = "sms", ["provider"] = (n / 2 % 3) switch { 0 => "twilio", 1 => "vonage", _ => "sinch" },
                ["country"] = (n / 2 % 4) switch { 0 => "GB", 1 => "US", 2 => "DE", _ => "IN" },
                ["error_code"] = outcome && n % 10 == 1 ? "30007" : null,
            });
        }
        using var response = await client.PostAsync("/api/v1/events", new StringContent(events.ToJsonString(), Encoding.UTF8, "application/json"));
        return response.StatusCode == HttpStatusCode.Accepted;
    }

    private static (double P50, double P99) Percentiles(WindowStats w)
    {
        double[] sorted;
        lock (w.QueryMs) sorted = w.QueryMs.Order().ToArray();
        if (sorted.Length == 0) return (0, 0);
        return (sorted[(int)(0.50 * (sorted.Length - 1))], sorted[(int)(0.99 * (sorted.Length - 1))]);
    }

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
