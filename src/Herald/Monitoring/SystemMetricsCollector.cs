using System.Text.Json;
using Herald.Maintenance;
using Herald.Storage;
using Herald.Utilization;

namespace Herald.Monitoring;

/// <summary>The <c>Herald:SystemMetrics</c> section: how often the system metrics time series is sampled and how long it is kept.</summary>
public sealed class SystemMetricsOptions
{
    /// <summary>Sample (and store one point per metric) this often.</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Points older than this are deleted (checked hourly).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Off: nothing is sampled or stored.</summary>
    public bool Enabled { get; set; } = true;

    public void Validate()
    {
        if (SampleInterval < TimeSpan.FromSeconds(1) || SampleInterval > TimeSpan.FromHours(1))
            throw new InvalidOperationException($"Herald:SystemMetrics:SampleInterval must be from 00:00:01 to 01:00:00, not {SampleInterval}");
        if (Retention < TimeSpan.FromHours(1))
            throw new InvalidOperationException($"Herald:SystemMetrics:Retention must be at least an hour, not {Retention}");
    }
}

/// <summary>
/// Stores seed 001's system metrics every <see cref="SystemMetricsOptions.SampleInterval"/>: the figures
/// <c>/api/v1/analytics/metrics/system</c> answers live (<see cref="SystemMetrics.Sample"/>, <see cref="RequestMetrics"/>,
/// <see cref="NetworkCounters"/>), one point each, tagged with the host; deletes points past the retention every hour
/// (archived first with <c>Herald:Retention:Archive</c>).
/// </summary>
public sealed class SystemMetricsCollector(
    SystemMetrics system, RequestMetrics requests, NetworkCounters network, ISystemMetricStore store, RetentionPurger purger, SystemMetricsOptions options,
    TimeProvider time, ILogger<SystemMetricsCollector> logger) : BackgroundService
{
    private static readonly TimeSpan CleanupEvery = TimeSpan.FromHours(1);
    private static readonly string HostTags = JsonSerializer.Serialize(new Dictionary<string, string> { ["host"] = Environment.MachineName });
    private static readonly string ApiTags = JsonSerializer.Serialize(new Dictionary<string, string> { ["host"] = Environment.MachineName, ["window"] = "1m" });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lastCleanup = DateTimeOffset.MinValue;
        using var timer = new PeriodicTimer(options.SampleInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    store.InsertSystemMetrics(Take());
                    var now = time.GetUtcNow();
                    if (now - lastCleanup < CleanupEvery) continue;
                    lastCleanup = now;
                    PurgeOld(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "could not store the system metrics, or delete the old ones");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Deletes the points past the retention (archived first when archiving is on); answers how many.</summary>
    public long PurgeOld(CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        long before = (now - options.Retention).ToUnixTimeMilliseconds();
        long deleted = purger.Archives ? purger.Purge(PurgeCollection.SystemMetrics, "system_metrics", before, now, ct: ct) : store.DeleteSystemMetricsBefore(before);
        if (deleted > 0) logger.LogInformation("deleted {Count} system metric points older than {Retention}", deleted, options.Retention);
        return deleted;
    }

    /// <summary>One point per metric, now.</summary>
    public IReadOnlyList<SystemMetricPoint> Take()
    {
        var s = system.Sample();
        var api = requests.Api(1);
        long at = time.GetUtcNow().ToUnixTimeMilliseconds();
        var points = new List<SystemMetricPoint>
        {
            new(at, "cpu_usage", s.CpuPercent, "percentage", HostTags, "application"),
            new(at, "memory_usage", s.MemoryPercent, "percentage", HostTags, "application"),
            new(at, "memory_rss", s.ResidentBytes, "bytes", HostTags, "application"),
            new(at, "gc_heap", s.GcHeapBytes, "bytes", HostTags, "application"),
            new(at, "disk_usage", s.DiskPercent, "percentage", HostTags, "application"),
            new(at, "active_requests", s.ActiveRequests, "count", HostTags, "application"),
            new(at, "requests_per_second", Math.Round(requests.RequestsPerSecond(), 3), "count/s", HostTags, "application"),
            new(at, "api_requests", api.Requests, "count", ApiTags, "application"),
            new(at, "api_error_rate", api.ErrorRatePercent, "percentage", ApiTags, "application"),
            new(at, "queue_depth", s.QueueDepth, "count", HostTags, "engine"),
            new(at, "events_per_second", s.EventsPerSecond, "count/s", HostTags, "engine"),
            new(at, "database_size", s.DatabaseBytes, "bytes", HostTags, "database"),
            new(at, "wal_size", s.WalBytes, "bytes", HostTags, "database"),
        };
        if (api.AvgMs is { } avg) points.Add(new(at, "api_response_time", avg, "ms", ApiTags, "application"));
        if (api.P95Ms is { } p95) points.Add(new(at, "api_response_time_p95", p95, "ms", ApiTags, "application"));
        if (network.Megabits() is { } mbps) points.Add(new(at, "network_throughput", mbps, "Mbit/s", HostTags, "application"));
        if (s.DiskIo is { } io)
        {
            points.Add(new(at, "disk_read_rate", io.ReadBytesPerSecond, "bytes/s", HostTags, "application"));
            points.Add(new(at, "disk_write_rate", io.WriteBytesPerSecond, "bytes/s", HostTags, "application"));
        }
        return points;
    }
}
