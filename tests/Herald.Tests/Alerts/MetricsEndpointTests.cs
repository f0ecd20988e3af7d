using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Herald.Alerts;
using Herald.Tests.Api;
using Herald.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Alerts;

public sealed class MetricsEndpointTests
{
    /// <summary>Every family of <c>/metrics</c> and its type: the families of the hand-written exposition it replaced, under their names.</summary>
    private static readonly Dictionary<string, string> Families = new()
    {
        ["herald_process_cpu_seconds_total"] = "counter",
        ["herald_process_cpu_percent"] = "gauge",
        ["herald_process_resident_memory_bytes"] = "gauge",
        ["herald_memory_limit_bytes"] = "gauge",
        ["herald_process_memory_percent"] = "gauge",
        ["herald_gc_heap_bytes"] = "gauge",
        ["herald_gc_committed_bytes"] = "gauge",
        ["herald_gc_collections_total"] = "counter",
        ["herald_process_threads"] = "gauge",
        ["herald_uptime_seconds"] = "gauge",
        ["herald_data_disk_total_bytes"] = "gauge",
        ["herald_data_disk_free_bytes"] = "gauge",
        ["herald_data_disk_used_percent"] = "gauge",
        ["herald_db_file_bytes"] = "gauge",
        ["herald_ingest_queue_depth"] = "gauge",
        ["herald_events_written_total"] = "counter",
        ["herald_events_written_per_second"] = "gauge",
        ["herald_item_filter_items"] = "gauge",
        ["herald_item_filter_bytes"] = "gauge",
        ["herald_item_filter_false_positive_ratio"] = "gauge",
        ["herald_http_requests_in_flight"] = "gauge",
        ["herald_http_requests_total"] = "counter",
        ["herald_http_request_errors_total"] = "counter",
        // Was herald_http_request_duration_seconds_total (a counter of the time spent): now its _sum.
        ["herald_http_request_duration_seconds"] = "histogram",
        // Was herald_http_response_p95_milliseconds: promtool wants the base unit.
        ["herald_http_response_p95_seconds"] = "gauge",
        ["herald_webhook_requests_total"] = "counter",
        ["herald_webhook_errors_total"] = "counter",
        ["herald_webhook_processing_seconds_total"] = "counter",
        ["herald_webhook_processing_max_seconds"] = "gauge",
        ["herald_items_last_hour"] = "gauge",
        ["herald_delivery_latency_p95_seconds_last_hour"] = "gauge",
        ["herald_alerts_firing"] = "gauge",
        ["herald_cache_requests_total"] = "counter",
        ["herald_cache_entries"] = "gauge",
    };

    private static async Task<PrometheusExposition> Scrape(HttpClient client)
    {
        var response = await client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        return await PrometheusExposition.CheckAsync(await response.Content.ReadAsStringAsync());
    }

    private static Dictionary<string, double> ItemsByStatus(PrometheusExposition metrics, string team) =>
        metrics["herald_items_last_hour"].Where(s => s.Label("team") == team).ToDictionary(s => s.Label("status"), s => s.Value);

    [Fact]
    public async Task Metrics_pass_promtool_and_keep_every_family_with_system_request_team_and_alert_figures()
    {
        await using var server = await HeraldServer.StartAsync(new() { ["Herald:Alerts:EvaluationInterval"] = "00:00:00.250" });
        // A team name that needs escaping in a label value.
        var (_, key) = await server.CreateTeamAsync("quote\"back\\slash", "events:write", "metrics:read", "alerts:write");
        var client = server.Client(key);
        var now = DateTimeOffset.UtcNow;
        await Kit.Ingest(client, new[]
        {
            Kit.Event("m1", "sent", Kit.Format(now.AddSeconds(-30)), eventId: "m1s", kind: "message"),
            Kit.Event("m1", "delivered", Kit.Format(now.AddSeconds(-20)), eventId: "m1d"),
            Kit.Event("m2", "failed", Kit.Format(now.AddSeconds(-20)), eventId: "m2f", kind: "message"),
            Kit.Event("m3", "sent", Kit.Format(now.AddSeconds(-20)), eventId: "m3s", kind: "message"),
        });
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/v1/alerts/rules", new
        {
            rule_id = "failures", rule_name = "Failures", metric_name = "message_failure_rate", condition = "gt", threshold = 1, duration = 0,
            severity = "critical", notification_channels = Array.Empty<string>(), min_volume = 1,
        })).StatusCode);
        var engine = server.Services.GetRequiredService<AlertEngine>();
        long evaluated = engine.Evaluations + 2;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (engine.Evaluations < evaluated && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.True(engine.Evaluations >= evaluated, "the alert engine did not evaluate");
        for (int i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/items/nope")).StatusCode);

        var f = await Scrape(server.Admin);
        Assert.Equal(Families.OrderBy(x => x.Key), f.Types.OrderBy(x => x.Key));
        Assert.True(f["herald_process_resident_memory_bytes"].Single().Value > 0);
        Assert.True(f["herald_data_disk_free_bytes"].Single().Value > 0);
        Assert.True(f["herald_db_file_bytes"].Single(s => s.Label("file") == "db").Value > 0);
        Assert.Equal(3, f["herald_gc_collections_total"].Count);
        Assert.True(f["herald_events_written_total"].Single().Value >= 4);
        // The presence filter holds the three items ingested above, at its fixed size.
        Assert.Equal(3, f["herald_item_filter_items"].Single().Value);
        Assert.Equal(32 * 1024 * 1024, f["herald_item_filter_bytes"].Single().Value);
        Assert.InRange(f["herald_item_filter_false_positive_ratio"].Single().Value, 0, 1e-9);
        Assert.Contains(f["herald_http_requests_total"], s => s.Label("route") == "/api/v1/events" && s.Label("method") == "POST" && s.Label("status") == "2xx");
        Assert.Equal(3, f["herald_http_requests_total"].Single(s => s.Label("route") == "/api/v1/items/{itemId}" && s.Label("status") == "4xx").Value);
        Assert.Equal(5, f["herald_webhook_requests_total"].Count);
        Assert.Equal(new Dictionary<string, double> { ["delivered"] = 1, ["failed"] = 1, ["pending"] = 1 }, ItemsByStatus(f, "quote\"back\\slash"));
        Assert.True(f["herald_delivery_latency_p95_seconds_last_hour"].Single(s => s.Label("team") == "quote\"back\\slash").Value > 0);
        Assert.Equal(1, f["herald_alerts_firing"].Single(s => s.Label("team") == "quote\"back\\slash" && s.Label("severity") == "critical").Value);
        Assert.Equal(6, f["herald_cache_requests_total"].Count);

        // The request duration is a real histogram: cumulative buckets up to +Inf, which counts every request of the route.
        var route = f["herald_http_request_duration_seconds"].Where(s => s.Labels.GetValueOrDefault("route") == "/api/v1/items/{itemId}").ToList();
        var buckets = route.Where(s => s.Name.EndsWith("_bucket", StringComparison.Ordinal)).ToList();
        Assert.Equal(14, buckets.Count);
        Assert.Equal(buckets.Select(b => b.Value).Order(), buckets.Select(b => b.Value));
        Assert.Equal("+Inf", buckets[^1].Label("le"));
        Assert.Equal(3, buckets[^1].Value);
        Assert.Equal(3, route.Single(s => s.Name.EndsWith("_count", StringComparison.Ordinal)).Value);
        Assert.InRange(route.Single(s => s.Name.EndsWith("_sum", StringComparison.Ordinal)).Value, 1e-6, 30);

        // Prometheus itself asks for OpenMetrics first, and gets it.
        var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.TryAddWithoutValidation("Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1");
        var openMetrics = await server.Admin.SendAsync(request);
        Assert.StartsWith("application/openmetrics-text", openMetrics.Content.Headers.ContentType!.ToString());
        string om = await openMetrics.Content.ReadAsStringAsync();
        Assert.EndsWith("# EOF\n", om);
        Assert.Contains("herald_events_written_total ", om.Replace("{}", ""));

        // The exporter's endpoint is in the API document as the handler it replaced was.
        var document = JsonNode.Parse(await (await server.Admin.GetAsync("/openapi/v1.json")).Content.ReadAsStringAsync())!;
        var scrape = document["paths"]!["/metrics"]!["get"]!;
        Assert.Equal("Operations", scrape["tags"]![0]!.GetValue<string>());
        Assert.NotNull(scrape["responses"]!["200"]!["content"]!["text/plain; version=0.0.4; charset=utf-8"]);

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
    public async Task Team_figures_cover_the_busiest_MaxTeams_and_a_team_that_drops_out_leaves_the_exposition()
    {
        await using var server = await HeraldServer.StartAsync(new() { ["Herald:Metrics:MaxTeams"] = "1", ["Herald:Alerts:Enabled"] = "false" });
        var (_, quietKey) = await server.CreateTeamAsync("quiet-team", "events:write");
        var (_, busyKey) = await server.CreateTeamAsync("busy-team", "events:write");
        string at = Kit.Format(DateTimeOffset.UtcNow.AddSeconds(-10));
        await Kit.Ingest(server.Client(quietKey), new[] { Kit.Event("q1", "sent", at, kind: "message"), Kit.Event("q2", "sent", at, kind: "message") });

        var before = await Scrape(server.Admin);
        Assert.Equal(["quiet-team"], before["herald_items_last_hour"].Select(s => s.Label("team")).Distinct());
        Assert.Equal(2, ItemsByStatus(before, "quiet-team")["pending"]);

        await Kit.Ingest(server.Client(busyKey), Enumerable.Range(0, 3).Select(i => Kit.Event($"b{i}", "delivered", at, kind: "message")).ToArray());
        var after = await Scrape(server.Admin);
        Assert.Equal(["busy-team"], after["herald_items_last_hour"].Select(s => s.Label("team")).Distinct());
        Assert.Equal(3, ItemsByStatus(after, "busy-team")["delivered"]);
    }

    [Fact]
    public async Task Each_server_in_one_process_exports_only_its_own_figures()
    {
        await using var busy = await HeraldServer.StartAsync(new() { ["Herald:Alerts:Enabled"] = "false" });
        await using var idle = await HeraldServer.StartAsync(new() { ["Herald:Alerts:Enabled"] = "false" });
        var (_, key) = await busy.CreateTeamAsync("own-figures", "events:write");
        string at = Kit.Format(DateTimeOffset.UtcNow.AddSeconds(-10));
        await Kit.Ingest(busy.Client(key), Enumerable.Range(0, 5).Select(i => Kit.Event($"o{i}", "sent", at, kind: "message")).ToArray());

        Assert.Equal(5, (await Scrape(busy.Admin))["herald_events_written_total"].Single().Value);
        var other = await Scrape(idle.Admin);
        Assert.Equal(0, other["herald_events_written_total"].Single().Value);
        Assert.DoesNotContain(other["herald_http_requests_total"], s => s.Label("route") == "/api/v1/events");
        Assert.DoesNotContain(other["herald_http_request_duration_seconds"], s => s.Labels.GetValueOrDefault("route") == "/api/v1/events");
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
        var scraped = await anonymous.SendAsync(Bearer("scrape-secret-1"));
        Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
        Assert.Contains("# TYPE herald_events_written_total counter", await scraped.Content.ReadAsStringAsync());
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
}
