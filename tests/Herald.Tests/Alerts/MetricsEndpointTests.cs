using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Herald.Monitoring;
using Herald.Tests.Api;
using Herald.Tests.Support;

namespace Herald.Tests.Alerts;

public sealed partial class MetricsEndpointTests
{
    [GeneratedRegex(@"^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$")]
    private static partial Regex Help();

    [GeneratedRegex(@"^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$")]
    private static partial Regex Type();

    // name, optional {label="value",...} with escaped values, one space, a float or +Inf/-Inf/NaN, no timestamp.
    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*=""(?:[^""\\\n]|\\[\\""n])*"",?)*\})? (\S+)$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex Label();

    /// <summary>A strict check of the text exposition format: every line one of HELP, TYPE or a sample of the current family.</summary>
    private static Dictionary<string, List<(Dictionary<string, string> Labels, double Value)>> Parse(string text, Dictionary<string, string> types)
    {
        Assert.EndsWith("\n", text);
        Assert.DoesNotContain("\r", text);
        var families = new Dictionary<string, List<(Dictionary<string, string>, double)>>();
        var series = new HashSet<string>();
        string? family = null;
        bool helped = false;
        foreach (var line in text[..^1].Split('\n'))
        {
            Assert.False(string.IsNullOrEmpty(line), "empty line in the exposition");
            if (Help().Match(line) is { Success: true } h)
            {
                Assert.False(families.ContainsKey(h.Groups[1].Value), $"family {h.Groups[1].Value} appears twice");
                family = h.Groups[1].Value;
                helped = true;
                families[family] = [];
                Assert.DoesNotContain("\n", h.Groups[2].Value);
                continue;
            }
            if (Type().Match(line) is { Success: true } t)
            {
                Assert.True(helped && t.Groups[1].Value == family, $"TYPE without its HELP first: {line}");
                types[family!] = t.Groups[2].Value;
                if (t.Groups[2].Value == "counter") Assert.EndsWith("_total", family);
                else Assert.False(family!.EndsWith("_total", StringComparison.Ordinal), $"a {t.Groups[2].Value} named like a counter: {family}");
                helped = false;
                continue;
            }
            Assert.False(line.StartsWith('#'), $"unexpected comment: {line}");
            var m = SampleLine().Match(line);
            Assert.True(m.Success, $"not a sample line: {line}");
            Assert.Equal(family, m.Groups[1].Value);
            Assert.True(types.ContainsKey(family!), $"sample before TYPE: {line}");
            string v = m.Groups[3].Value;
            Assert.True(v is "+Inf" or "-Inf" or "NaN" || double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _), $"bad value: {line}");
            double value = v switch { "+Inf" => double.PositiveInfinity, "-Inf" => double.NegativeInfinity, "NaN" => double.NaN, _ => double.Parse(v, CultureInfo.InvariantCulture) };
            var labels = new Dictionary<string, string>();
            foreach (Match l in Label().Matches(m.Groups[2].Value))
            {
                Assert.True(labels.TryAdd(l.Groups[1].Value, Regex.Unescape(l.Groups[2].Value)), $"label twice: {line}");
            }
            Assert.True(series.Add(m.Groups[1].Value + m.Groups[2].Value), $"series twice: {line}");
            families[family!].Add((labels, value));
        }
        return families;
    }

    [Fact]
    public async Task Metrics_is_strict_text_exposition_with_system_request_and_team_figures()
    {
        await using var server = await HeraldServer.StartAsync(new() { ["Herald:Alerts:Enabled"] = "false" });
        // A team name that needs escaping in a label value.
        var (_, key) = await server.CreateTeamAsync("quote\"back\\slash", "events:write", "metrics:read");
        var client = server.Client(key);
        var now = DateTimeOffset.UtcNow;
        await Kit.Ingest(client, new[]
        {
            Kit.Event("m1", "sent", Kit.Format(now.AddSeconds(-30)), eventId: "m1s", kind: "message"),
            Kit.Event("m1", "delivered", Kit.Format(now.AddSeconds(-20)), eventId: "m1d"),
            Kit.Event("m2", "failed", Kit.Format(now.AddSeconds(-20)), eventId: "m2f", kind: "message"),
            Kit.Event("m3", "sent", Kit.Format(now.AddSeconds(-20)), eventId: "m3s", kind: "message"),
        });
        await client.GetAsync("/api/v1/items/nope");

        var response = await server.Admin.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        var types = new Dictionary<string, string>();
        var f = Parse(await response.Content.ReadAsStringAsync(), types);

        Assert.Equal("counter", types["herald_process_cpu_seconds_total"]);
        Assert.True(f["herald_process_resident_memory_bytes"].Single().Value > 0);
        Assert.True(f["herald_data_disk_free_bytes"].Single().Value > 0);
        Assert.True(f["herald_db_file_bytes"].Single(s => s.Labels["file"] == "db").Value > 0);
        Assert.Equal(3, f["herald_gc_collections_total"].Count);
        Assert.True(f["herald_events_written_total"].Single().Value >= 4);
        Assert.Contains(f["herald_http_requests_total"], s => s.Labels["route"] == "/api/v1/events" && s.Labels["method"] == "POST" && s.Labels["status"] == "2xx");
        Assert.Contains(f["herald_http_requests_total"], s => s.Labels["route"] == "/api/v1/items/{itemId}" && s.Labels["status"] == "4xx");
        Assert.Equal(5, f["herald_webhook_requests_total"].Count);
        var items = f["herald_items_last_hour"].Where(s => s.Labels["team"] == "quote\"back\\slash").ToDictionary(s => s.Labels["status"], s => s.Value);
        Assert.Equal(1, items["delivered"]);
        Assert.Equal(1, items["failed"]);
        Assert.Equal(1, items["pending"]);
        Assert.Contains("team=\"quote\\\"back\\\\slash\"", await (await server.Admin.GetAsync("/metrics")).Content.ReadAsStringAsync());

        // The system endpoint: seed 004's fields in the envelope.
        var system = await Kit.GetData(client, "/api/v1/analytics/metrics/system");
        foreach (var field in new[] { "cpu_usage_percent", "memory_usage_percent", "disk_usage_percent", "network_throughput_mbps", "active_connections",
                     "db_connection_pool_size", "db_active_connections", "memory_rss_bytes", "gc_heap_bytes", "disk_free_bytes", "database_bytes",
                     "queue_depth", "events_per_second", "requests", "webhooks" })
            Assert.True(system.AsObject().ContainsKey(field), $"missing {field}");
        Assert.True(system["disk_usage_percent"]!.GetValue<double>() is > 0 and <= 100);
        Assert.Contains(system["requests"]!["by_endpoint"]!.AsArray(), r => r!["route"]!.GetValue<string>() == "/api/v1/events");
    }

    [Fact]
    public async Task Metrics_needs_an_admin_key_or_the_scrape_token_unless_opened_on_purpose()
    {
        await using var server = await HeraldServer.StartAsync(new() { ["Herald:Metrics:ScrapeToken"] = "scrape-secret-1", ["Herald:Alerts:Enabled"] = "false" });
        var (_, key) = await server.CreateTeamAsync("metrics-key", "metrics:read");
        var anonymous = new HttpClient { BaseAddress = server.BaseAddress };
        await Kit.AssertError(await anonymous.GetAsync("/metrics"), HttpStatusCode.Unauthorized);
        await Kit.AssertError(await server.Client(key).GetAsync("/metrics"), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, (await server.Admin.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.SendAsync(Bearer(HeraldServer.AdminKey))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.SendAsync(Bearer("scrape-secret-1"))).StatusCode);
        await Kit.AssertError(await anonymous.SendAsync(Bearer("scrape-secret-2")), HttpStatusCode.Unauthorized);

        await using var open = await HeraldServer.StartAsync(new() { ["Herald:Metrics:Public"] = "true", ["Herald:Alerts:Enabled"] = "false" });
        var anyone = new HttpClient { BaseAddress = open.BaseAddress };
        Assert.Equal(HttpStatusCode.OK, (await anyone.GetAsync("/metrics")).StatusCode);
    }

    private static HttpRequestMessage Bearer(string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Authorization = new("Bearer", token);
        return request;
    }

    [Fact]
    public void Writer_escapes_and_refuses_bad_names()
    {
        var p = new PrometheusText();
        p.Family("x_total", "counter", "a \\ help\nwith a newline").Sample(1.5, ("l", "a\"b\\c\nd"));
        p.Family("y", "gauge", "g").Sample(double.NaN).Sample(double.PositiveInfinity, ("k", "v"));
        Assert.Equal("# HELP x_total a \\\\ help\\nwith a newline\n# TYPE x_total counter\nx_total{l=\"a\\\"b\\\\c\\nd\"} 1.5\n" +
            "# HELP y g\n# TYPE y gauge\ny NaN\ny{k=\"v\"} +Inf\n", p.ToString());
        Assert.Throws<ArgumentException>(() => new PrometheusText().Family("requests", "counter", "h"));
        Assert.Throws<ArgumentException>(() => new PrometheusText().Family("bad-name", "gauge", "h"));
        Assert.Throws<InvalidOperationException>(() => new PrometheusText().Family("a", "gauge", "h").Family("a", "gauge", "h"));
    }
}
