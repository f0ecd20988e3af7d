using System.Diagnostics.Metrics;
using System.Globalization;
using Herald.Analytics;
using Herald.Analytics.Caching;
using Herald.Domain;
using Herald.Engine;
using Herald.Storage;
using Herald.Tenancy;
using Herald.Webhooks;

namespace Herald.Monitoring;

/// <summary>
/// Every instrument of Herald's own metrics, on one <see cref="Meter"/> named <see cref="MeterName"/>; <c>/metrics</c>
/// exports them (<see cref="MetricsExport"/>). Instrument names are the Prometheus family names a dashboard queries, with
/// their unit suffix and <c>_total</c> already on, so the exporter adds nothing and a family can be found here by name.
/// The request-duration histogram is recorded as requests finish; everything else is observed when a scrape collects:
/// figures that <see cref="SystemMetrics"/>, <see cref="RequestMetrics"/>, <see cref="WebhookStats"/> and the answer cache
/// keep anyway (for <c>/api/v1/analytics/metrics/system</c> and the alert rules), and the per-team figures of the last hour.
/// </summary>
public sealed class HeraldMetrics
{
    public const string MeterName = "Herald";

    public const string ItemsLastHour = "herald_items_last_hour";
    public const string DeliveryLatencyLastHour = "herald_delivery_latency_p95_seconds_last_hour";
    public const string AlertsFiring = "herald_alerts_firing";

    /// <summary>The families labelled by team: the ones whose series come and go as teams enter and leave the busiest <see cref="MetricsOptions.MaxTeams"/>.</summary>
    public static readonly string[] PerTeamFamilies = [ItemsLastHour, DeliveryLatencyLastHour, AlertsFiring];

    /// <summary>
    /// Prometheus's default latency buckets with two finer ones below 5 ms: most API answers come from memory or one SQLite
    /// read and take a millisecond or two.
    /// </summary>
    private static readonly double[] RequestDurationBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly SystemMetrics _system;
    private readonly RequestMetrics _requests;
    private readonly WebhookStats _webhooks;
    private readonly AnswerCache _cache;
    private readonly IAlertStore _alerts;
    private readonly TeamDirectory _teams;
    private readonly MetricsQuery _query;
    private readonly MetricsOptions _options;
    private readonly TimeProvider _time;
    private readonly IngestQueue _ingest;
    private readonly Histogram<double> _requestDuration;
    private Scrape _scrape;

    public HeraldMetrics(IMeterFactory meters, SystemMetrics system, RequestMetrics requests, WebhookStats webhooks, AnswerCache cache,
        IAlertStore alerts, TeamDirectory teams, MetricsQuery query, MetricsOptions options, TimeProvider time, IngestQueue ingest)
    {
        (_system, _requests, _webhooks, _cache, _alerts, _teams, _query, _options, _time, _ingest) =
            (system, requests, webhooks, cache, alerts, teams, query, options, time, ingest);
        _scrape = new Scrape(this);
        Meter = meters.Create(MeterName);
        _requestDuration = Meter.CreateHistogram("herald_http_request_duration_seconds", "s",
            "Time to answer HTTP requests, by method and route template (requests held open by design, such as sockets, are left out).",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = RequestDurationBuckets });
        AddProcessInstruments();
        AddRequestInstruments();
        AddWebhookInstruments();
        AddTeamInstruments();
        AddCacheInstruments();
    }

    public Meter Meter { get; }

    public void RequestFinished(string method, string route, TimeSpan elapsed) =>
        _requestDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("method", method), new KeyValuePair<string, object?>("route", route));

    /// <summary>
    /// Starts a new collection: the process sample and the per-team figures, each read by several instruments, are taken
    /// once per scrape (on first use) rather than once per instrument.
    /// </summary>
    public void BeginScrape() => Interlocked.Exchange(ref _scrape, new Scrape(this));

    private SystemSnapshot Sample => Volatile.Read(ref _scrape).System.Value;

    private IReadOnlyList<TeamHour> BusiestTeams => Volatile.Read(ref _scrape).Teams.Value;

    private void AddProcessInstruments()
    {
        Meter.CreateObservableCounter("herald_process_cpu_seconds_total", () => Sample.CpuSecondsTotal, "s",
            "User and system CPU time of the Herald process, in seconds.");
        Meter.CreateObservableGauge("herald_process_cpu_percent", () => Sample.CpuPercent, null,
            "CPU used by the process since the previous sample, percent of all cores.");
        Meter.CreateObservableGauge("herald_process_resident_memory_bytes", () => Sample.ResidentBytes, "By", "Resident set size of the process.");
        Meter.CreateObservableGauge("herald_memory_limit_bytes", () => Sample.MemoryLimitBytes, "By",
            "The memory limit memory percent is taken of (cgroup limit, else physical memory).");
        Meter.CreateObservableGauge("herald_process_memory_percent", () => Sample.MemoryPercent, null, "Resident memory as a percent of the memory limit.");
        Meter.CreateObservableGauge("herald_gc_heap_bytes", () => Sample.GcHeapBytes, "By", "Bytes allocated on the managed heap.");
        Meter.CreateObservableGauge("herald_gc_committed_bytes", () => Sample.GcCommittedBytes, "By", "Memory committed by the garbage collector.");
        Meter.CreateObservableCounter("herald_gc_collections_total",
            () => Sample.GcCollections.Select((count, generation) => new Measurement<long>(count, Tag("generation", generation.ToString(CultureInfo.InvariantCulture)))),
            null, "Garbage collections per generation since start.");
        Meter.CreateObservableGauge("herald_process_threads", () => Sample.ThreadCount, null, "Threads of the process.");
        Meter.CreateObservableGauge("herald_uptime_seconds", () => Math.Round(Sample.UptimeSeconds, 3), "s", "Seconds since the server started.");
        Meter.CreateObservableGauge("herald_data_disk_total_bytes", () => Sample.DiskTotalBytes, "By", "Size of the file system holding the data directory.");
        Meter.CreateObservableGauge("herald_data_disk_free_bytes", () => Sample.DiskFreeBytes, "By",
            "Space available to Herald on the data directory's file system.");
        Meter.CreateObservableGauge("herald_data_disk_used_percent", () => Sample.DiskPercent, null, "Used space of the data directory's file system, percent.");
        Meter.CreateObservableGauge<long>("herald_db_file_bytes",
            () => [new(Sample.DatabaseBytes, Tag("file", "db")), new(Sample.WalBytes, Tag("file", "wal"))],
            "By", "Size of the SQLite database files.");
        Meter.CreateObservableGauge("herald_ingest_queue_depth", () => Sample.QueueDepth, null, "Events accepted and waiting in the ingest queue.");
        Meter.CreateObservableCounter("herald_events_written_total", () => Sample.EventsWritten, null, "Events written to the store since start.");
        Meter.CreateObservableGauge("herald_events_written_per_second", () => Sample.EventsPerSecond, null, "Events written per second since the previous sample.");
        Meter.CreateObservableGauge("herald_item_filter_items", () => _ingest.ItemFilter.Items, null,
            "Items in the writer's presence filter (every stored item; its size is fixed by Herald:Writer:ItemFilterMegabytes).");
        Meter.CreateObservableGauge("herald_item_filter_bytes", () => _ingest.ItemFilter.Bytes, "By", "Size of the writer's item presence filter.");
        Meter.CreateObservableGauge("herald_item_filter_false_positive_ratio", () => _ingest.ItemFilter.FalsePositiveRate, null,
            "Estimated share of new items the presence filter sends to a needless store lookup; above 0.01 the filter is past its design load.");
    }

    private void AddRequestInstruments()
    {
        Meter.CreateObservableGauge("herald_http_requests_in_flight", () => _requests.InFlight, null, "HTTP requests being served.");
        Meter.CreateObservableCounter("herald_http_requests_total",
            () => _requests.Routes().Select(r => new Measurement<long>(r.Requests, Tag("method", r.Method), Tag("route", r.Route), Tag("status", r.StatusClass))),
            null, "HTTP requests served, by method, route template and status class.");
        Meter.CreateObservableCounter("herald_http_request_errors_total",
            () => _requests.Routes().GroupBy(r => (r.Method, r.Route)).Select(g =>
                new Measurement<long>(g.Where(r => r.StatusClass == "5xx").Sum(r => r.Requests), Tag("method", g.Key.Method), Tag("route", g.Key.Route))),
            null, "HTTP requests answered with a 5xx status, by method and route template.");
        Meter.CreateObservableGauge("herald_http_response_p95_seconds", () => _requests.Api(5).P95Ms / 1000 ?? double.NaN, "s",
            "95th percentile of API response time over the last 5 minutes (NaN without requests).");
    }

    private void AddWebhookInstruments()
    {
        Meter.CreateObservableCounter("herald_webhook_requests_total",
            () => _webhooks.Snapshot().Select(w => new Measurement<long>(w.Requests, Tag("provider", w.Provider))), null, "Provider callbacks handled, by provider.");
        Meter.CreateObservableCounter("herald_webhook_errors_total",
            () => _webhooks.Snapshot().Select(w => new Measurement<long>(w.Errors, Tag("provider", w.Provider))), null,
            "Provider callbacks answered with an error, by provider.");
        Meter.CreateObservableCounter("herald_webhook_processing_seconds_total",
            () => _webhooks.Snapshot().Select(w => new Measurement<double>(Math.Round(w.TotalMs / 1000, 6), Tag("provider", w.Provider))), "s",
            "Time spent processing provider callbacks, by provider.");
        Meter.CreateObservableGauge("herald_webhook_processing_max_seconds",
            () => _webhooks.Snapshot().Select(w => new Measurement<double>(Math.Round(w.MaxMs / 1000, 6), Tag("provider", w.Provider))), "s",
            "Longest provider callback processing time since start, by provider.");
    }

    private void AddTeamInstruments()
    {
        Meter.CreateObservableGauge(ItemsLastHour, () => BusiestTeams.SelectMany(t => new[]
        {
            new Measurement<long>(t.Totals.Delivered, Tag("team", t.Team), Tag("status", "delivered")),
            new Measurement<long>(t.Totals.Failed, Tag("team", t.Team), Tag("status", "failed")),
            new Measurement<long>(t.Totals.Pending, Tag("team", t.Team), Tag("status", "pending")),
        }), null, "Items whose earliest event is in the last 60 minutes, by team and outcome.");
        Meter.CreateObservableGauge(DeliveryLatencyLastHour, () => BusiestTeams.Select(t => (t.Team, t.Totals.Latency)).Where(t => t.Latency is not null)
            .Select(t => new Measurement<double>(t.Latency!.P95, Tag("team", t.Team))), null, "95th percentile delivery latency of the last hour's items, by team.");
        Meter.CreateObservableGauge(AlertsFiring, () => _alerts.CountFiringAlerts().Select(a => new Measurement<long>(a.Count,
                Tag("team", _teams.ById(a.TeamId)?.Name ?? a.TeamId.ToString(CultureInfo.InvariantCulture)), Tag("severity", a.Severity))),
            null, "Alerts firing, by team and severity.");
    }

    private void AddCacheInstruments()
    {
        Meter.CreateObservableCounter("herald_cache_requests_total", () => Enum.GetValues<CacheTier>().SelectMany(tier => new[]
        {
            new Measurement<long>(_cache.Hits(tier), Tag("tier", tier.ToString().ToLowerInvariant()), Tag("result", "hit")),
            new Measurement<long>(_cache.Misses(tier), Tag("tier", tier.ToString().ToLowerInvariant()), Tag("result", "miss")),
        }), null, "Answers asked of the cache tiers, by tier and result (hit: kept and still exact; miss: computed).");
        Meter.CreateObservableGauge("herald_cache_entries", () => _cache.Count, null, "Answers kept by the cache.");
    }

    /// <summary>The teams with items in the last 60 minutes, busiest first, at most <see cref="MetricsOptions.MaxTeams"/> of them.</summary>
    private List<TeamHour> TakeBusiestTeams()
    {
        var to = UtcMinute.FromDateTimeOffset(_time.GetUtcNow()).Next(Granularity.Minute);
        var from = new UtcMinute(to.Value - 60);
        return _teams.All.Select(t => new TeamHour(t.Name, _query.Summary([t.Id], MetricFilter.None, from, to)))
            .Where(t => t.Totals.Total > 0).OrderByDescending(t => t.Totals.Total).ThenBy(t => t.Team, StringComparer.Ordinal)
            .Take(_options.MaxTeams).ToList();
    }

    private static KeyValuePair<string, object?> Tag(string name, string value) => new(name, value);

    private sealed record TeamHour(string Team, MetricTotals Totals);

    private sealed class Scrape(HeraldMetrics owner)
    {
        public readonly Lazy<SystemSnapshot> System = new(owner._system.Sample);
        public readonly Lazy<IReadOnlyList<TeamHour>> Teams = new(owner.TakeBusiestTeams);
    }
}
