using System.Globalization;
using Herald.Engine;
using Herald.Storage;
using Herald.Utilization;

namespace Herald.Reports;

/// <summary>
/// The system utilization report (seed 004's "system utilization reports"): the Herald process's requests, latency, errors,
/// CPU, memory, disk, ingest rate and network throughput over UTC days, from the stored utilization samples. A sample
/// belongs to the day (and hour) its interval ends in. Days without samples (the server was down, or before sampling
/// began) are rows with no samples; <c>covered_minutes</c> says how much of each day was sampled.
/// </summary>
public sealed class UtilizationReport(IUtilizationStore store, UtilizationOptions options)
{
    /// <summary>Periods up to this many days also get hourly tables, and their chart is hourly.</summary>
    public const int HourlyUpToDays = 7;

    public const int ChartHourlyUpToDays = 2;

    private static readonly ReportColumn[] TrafficColumns =
    [
        new("samples", "Samples", ColumnKind.Integer),
        new("covered_minutes", "Covered (min)", ColumnKind.Decimal),
        new("requests", "Requests", ColumnKind.Integer),
        new("requests_ok", "OK", ColumnKind.Integer),
        new("client_errors", "4xx", ColumnKind.Integer),
        new("server_errors", "5xx", ColumnKind.Integer),
        new("error_rate", "Error %", ColumnKind.Percent),
        new("latency_avg_ms", "Avg (ms)", ColumnKind.Decimal),
        new("latency_p95_ms", "p95 (ms)", ColumnKind.Decimal),
        new("latency_max_ms", "Max (ms)", ColumnKind.Decimal),
        new("events", "Events", ColumnKind.Integer),
        new("ingest_rate", "Events/s", ColumnKind.Decimal),
        new("ingest_rate_peak", "Peak events/s", ColumnKind.Decimal),
    ];

    private static readonly ReportColumn[] ResourceColumns =
    [
        new("cpu_avg", "CPU avg %", ColumnKind.Percent),
        new("cpu_max", "CPU max %", ColumnKind.Percent),
        new("memory_avg", "Memory avg %", ColumnKind.Percent),
        new("memory_max", "Memory max %", ColumnKind.Percent),
        new("memory_peak_bytes", "Memory peak (bytes)", ColumnKind.Integer),
        new("disk_max", "Disk max %", ColumnKind.Percent),
        new("database_bytes", "Database (bytes)", ColumnKind.Integer),
        new("network_mbps", "Network avg (Mb/s)", ColumnKind.Decimal),
        new("network_mbps_peak", "Network peak (Mb/s)", ColumnKind.Decimal),
    ];

    public ReportDocument Build(string id, ReportRequest request, string team, DateTimeOffset generatedAt, Action<double> progress)
    {
        var start = request.StartDate!.Value;
        var end = request.EndDate!.Value;
        var (from, to) = ReportBuilder.Window(start, end);
        int days = end.DayNumber - start.DayNumber + 1;
        bool hourly = days <= HourlyUpToDays;

        var total = new Aggregate();
        var byDay = new Aggregate[days];
        var byHour = hourly ? new Aggregate[days * 24] : [];
        long fromMs = from.ToUnixMillis();
        store.ReadUtilizationSamples(fromMs, to.ToUnixMillis(), s =>
        {
            // A sample ending exactly at a boundary closes the bucket before it.
            long index = (s.AtMs - 1 - fromMs) / 3_600_000;
            total.Add(s);
            (byDay[index / 24] ??= new Aggregate()).Add(s);
            if (hourly) (byHour[index] ??= new Aggregate()).Add(s);
        });
        progress(0.6);

        var daily = new List<object?[]>(days);
        var dailyResources = new List<object?[]>(days);
        for (int d = 0; d < days; d++)
        {
            var a = byDay[d] ?? new Aggregate();
            daily.Add([start.AddDays(d), .. a.Traffic()]);
            dailyResources.Add([start.AddDays(d), .. a.Resources()]);
        }
        var tables = new List<ReportTable>
        {
            new("daily", "Daily requests and ingest", [new("date", "Date", ColumnKind.Date), .. TrafficColumns], daily),
            new("daily_resources", "Daily resources", [new("date", "Date", ColumnKind.Date), .. ResourceColumns], dailyResources),
        };
        if (hourly)
        {
            var hours = new List<object?[]>(byHour.Length);
            var hourResources = new List<object?[]>(byHour.Length);
            var first = start.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
            for (int h = 0; h < byHour.Length; h++)
            {
                var a = byHour[h] ?? new Aggregate();
                hours.Add([first.AddHours(h), .. a.Traffic()]);
                hourResources.Add([first.AddHours(h), .. a.Resources()]);
            }
            tables.Add(new ReportTable("hourly", "Hourly requests and ingest", [new("hour", "Hour (UTC)", ColumnKind.Timestamp), .. TrafficColumns], hours));
            tables.Add(new ReportTable("hourly_resources", "Hourly resources", [new("hour", "Hour (UTC)", ColumnKind.Timestamp), .. ResourceColumns], hourResources));
        }
        progress(0.9);

        var summary = new List<ReportKpi>
        {
            new("samples", "Samples", total.Samples, ColumnKind.Integer),
            new("covered_hours", "Covered hours", Math.Round(total.CoveredMs / 3_600_000.0, 2), ColumnKind.Decimal),
            new("requests", "Requests", total.Requests, ColumnKind.Integer),
            new("requests_per_minute", "Requests per minute", total.PerMinute(total.Requests), ColumnKind.Decimal),
            new("client_errors", "Client errors (4xx)", total.ClientErrors, ColumnKind.Integer),
            new("server_errors", "Server errors (5xx)", total.ServerErrors, ColumnKind.Integer),
            new("error_rate", "Error rate % (5xx)", total.ErrorRate, ColumnKind.Percent),
            new("latency_avg_ms", "Latency avg (ms)", total.LatencyAvgMs, ColumnKind.Decimal),
            new("latency_p95_ms", "Latency p95 (ms)", total.LatencyPercentileMs(95), ColumnKind.Decimal),
            new("latency_p99_ms", "Latency p99 (ms)", total.LatencyPercentileMs(99), ColumnKind.Decimal),
            new("latency_max_ms", "Latency max (ms)", total.LatencyMaxMs, ColumnKind.Decimal),
            new("cpu_avg", "CPU avg %", total.CpuAvg, ColumnKind.Percent),
            new("cpu_max", "CPU max %", total.CpuMax, ColumnKind.Percent),
            new("memory_avg", "Memory avg %", total.MemoryAvg, ColumnKind.Percent),
            new("memory_max", "Memory max %", total.MemoryMax, ColumnKind.Percent),
            new("memory_peak_bytes", "Memory peak (bytes)", total.MemoryPeakBytes, ColumnKind.Integer),
            new("disk_avg", "Disk avg %", total.DiskAvg, ColumnKind.Percent),
            new("disk_max", "Disk max %", total.DiskMax, ColumnKind.Percent),
            new("disk_free_bytes", "Disk free at end (bytes)", total.Last?.DiskFreeBytes, ColumnKind.Integer),
            new("database_bytes", "Database at end (bytes)", total.Last?.DatabaseBytes, ColumnKind.Integer),
            new("events", "Events ingested", total.Events, ColumnKind.Integer),
            new("ingest_rate", "Ingest rate (events/s)", total.IngestRate, ColumnKind.Decimal),
            new("ingest_rate_peak", "Peak ingest rate (events/s)", total.IngestPeak, ColumnKind.Decimal),
            new("queue_depth_max", "Queue depth max", total.QueueMax, ColumnKind.Integer),
            new("network_mbps", "Network avg (Mb/s)", total.NetworkAvg, ColumnKind.Decimal),
            new("network_mbps_peak", "Network peak (Mb/s)", total.NetworkPeak, ColumnKind.Decimal),
        };
        bool chartHourly = hourly && days <= ChartHourlyUpToDays;
        return new ReportDocument
        {
            Id = id, Type = request.Type, Title = "System utilization report", Team = team, StartDate = start, EndDate = end,
            GeneratedAt = generatedAt, Parameters = request.Describe(), Summary = summary, Tables = tables,
            ChartTable = chartHourly ? "hourly" : "daily",
            ChartTitle = chartHourly ? "Requests per hour (UTC)" : "Requests per day (UTC)",
            ChartUnit = "requests",
            ChartStack = ["requests_ok", "client_errors", "server_errors"],
            ChartLines = ["requests", "server_errors"],
            Notes =
            [
                $"The Herald process is sampled every {options.SampleInterval.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s; " +
                "a sample counts in the day and hour its interval ends in. Time the server was not running has no samples (see covered minutes).",
                "Requests are every HTTP request the server answered (sockets and event streams left out); the error rate is 5xx of all requests; " +
                "latency is the server's own time per request, percentiles within 1.5 %.",
                "CPU is the process's CPU time over the interval's wall time and all cores; memory is its resident set of the memory limit " +
                "(the cgroup's when set); disk is the used share of the data directory's file system.",
                "Ingest counts the events written to the store; network counts bytes received and sent on " +
                (options.Interfaces is { } only ? string.Join(", ", only) : "every interface but lo") + " (from /proc/net/dev).",
            ],
        };
    }

    /// <summary>The samples of one bucket (or the whole period), summed and averaged by their intervals' lengths.</summary>
    private sealed class Aggregate
    {
        public long Samples, CoveredMs, Requests, ServerErrors, ClientErrors, Events, QueueMax;
        public double LatencyTotalMs;
        public double? LatencyMaxMs;
        private readonly long[] _histogram = new long[LatencyScale.BucketCount];
        private double _cpuWeighted, _memoryWeighted, _diskWeighted, _cpuMax, _memoryMax, _diskMax, _ingestPeak;
        private long _memoryPeak, _networkBytes, _networkMs;
        private double? _networkPeak;
        public UtilizationSample? Last;

        public void Add(UtilizationSample s)
        {
            Samples++;
            CoveredMs += s.IntervalMs;
            Requests += s.Requests;
            ServerErrors += s.ServerErrors;
            ClientErrors += s.ClientErrors;
            Events += s.Events;
            QueueMax = Math.Max(QueueMax, s.QueueDepth);
            LatencyTotalMs += s.LatencyTotalMs;
            if (s.LatencyMaxMs is { } max) LatencyMaxMs = Math.Max(LatencyMaxMs ?? 0, max);
            UtilizationHistogram.AddTo(_histogram, s.LatencyHistogram);
            _cpuWeighted += s.CpuPercent * s.IntervalMs;
            _memoryWeighted += s.MemoryPercent * s.IntervalMs;
            _diskWeighted += s.DiskPercent * s.IntervalMs;
            _cpuMax = Math.Max(_cpuMax, s.CpuPercent);
            _memoryMax = Math.Max(_memoryMax, s.MemoryPercent);
            _diskMax = Math.Max(_diskMax, s.DiskPercent);
            _memoryPeak = Math.Max(_memoryPeak, s.MemoryBytes);
            if (s.IntervalMs > 0) _ingestPeak = Math.Max(_ingestPeak, s.Events * 1000.0 / s.IntervalMs);
            if (s.NetworkBytes is { } bytes && s.IntervalMs > 0)
            {
                _networkBytes += bytes;
                _networkMs += s.IntervalMs;
                _networkPeak = Math.Max(_networkPeak ?? 0, Mbps(bytes, s.IntervalMs));
            }
            Last = s;
        }

        private bool Any => Samples > 0;

        public double? ErrorRate => Any ? Analytics.MetricTotals.Percent(ServerErrors, Requests) : null;
        public double? LatencyAvgMs => Requests > 0 ? Math.Round(LatencyTotalMs / Requests, 3) : null;
        public double? LatencyPercentileMs(double p) => UtilizationHistogram.Percentile(_histogram, p) is { } v ? Math.Round(v, 3) : null;
        public double? CpuAvg => Any && CoveredMs > 0 ? Math.Round(_cpuWeighted / CoveredMs, 2) : null;
        public double? CpuMax => Any ? Math.Round(_cpuMax, 2) : null;
        public double? MemoryAvg => Any && CoveredMs > 0 ? Math.Round(_memoryWeighted / CoveredMs, 2) : null;
        public double? MemoryMax => Any ? Math.Round(_memoryMax, 2) : null;
        public long? MemoryPeakBytes => Any ? _memoryPeak : null;
        public double? DiskAvg => Any && CoveredMs > 0 ? Math.Round(_diskWeighted / CoveredMs, 2) : null;
        public double? DiskMax => Any ? Math.Round(_diskMax, 2) : null;
        public double? IngestRate => Any && CoveredMs > 0 ? Math.Round(Events * 1000.0 / CoveredMs, 3) : null;
        public double? IngestPeak => Any ? Math.Round(_ingestPeak, 3) : null;
        public double? NetworkAvg => _networkMs > 0 ? Math.Round(Mbps(_networkBytes, _networkMs), 3) : null;
        public double? NetworkPeak => _networkPeak is { } p ? Math.Round(p, 3) : null;
        public double? PerMinute(long count) => Any && CoveredMs > 0 ? Math.Round(count * 60_000.0 / CoveredMs, 3) : null;

        public object?[] Traffic() =>
        [
            Samples, Math.Round(CoveredMs / 60_000.0, 2), Requests, Requests - ClientErrors - ServerErrors, ClientErrors, ServerErrors, ErrorRate,
            LatencyAvgMs, LatencyPercentileMs(95), LatencyMaxMs is { } m ? Math.Round(m, 3) : null, Events, IngestRate, IngestPeak,
        ];

        public object?[] Resources() =>
            [CpuAvg, CpuMax, MemoryAvg, MemoryMax, MemoryPeakBytes, DiskMax, Last?.DatabaseBytes, NetworkAvg, NetworkPeak];

        private static double Mbps(long bytes, long ms) => bytes * 8 / 1e6 / (ms / 1000.0);
    }
}
