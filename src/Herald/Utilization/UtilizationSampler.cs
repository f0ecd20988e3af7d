using System.Diagnostics;
using Herald.Maintenance;
using Herald.Monitoring;
using Herald.Storage;

namespace Herald.Utilization;

/// <summary>
/// Stores one <see cref="UtilizationSample"/> per <see cref="UtilizationOptions.SampleInterval"/>, read from the process
/// (<see cref="SystemMetrics.Sample"/>), this host's requests (<see cref="HttpRequestRecorder"/>) and the network counters,
/// and deletes samples past the retention every hour (archived first with <c>Herald:Retention:Archive</c>). CPU is the process's CPU time over the interval's wall time and the
/// cores, so it is the interval's average whoever else samples the process meanwhile.
/// </summary>
public sealed class UtilizationSampler(
    SystemMetrics system, HttpRequestRecorder requests, NetworkCounters network, IUtilizationStore store, RetentionPurger purger, UtilizationOptions options,
    TimeProvider time, ILogger<UtilizationSampler> logger) : BackgroundService
{
    private static readonly TimeSpan CleanupEvery = TimeSpan.FromHours(1);

    private long _lastTimestamp;
    private double _lastCpuSeconds;
    private long _lastEvents;
    private long? _lastNetworkBytes;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        Baseline();
        var lastCleanup = DateTimeOffset.MinValue;
        using var timer = new PeriodicTimer(options.SampleInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    store.InsertUtilizationSample(Take());
                    var now = time.GetUtcNow();
                    if (now - lastCleanup >= CleanupEvery)
                    {
                        lastCleanup = now;
                        PurgeOld(stoppingToken);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "could not store a utilization sample, or delete the old ones");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Deletes the samples past the retention (archived first when archiving is on); answers how many.</summary>
    public long PurgeOld(CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        long before = (now - options.Retention).ToUnixTimeMilliseconds();
        long deleted = purger.Archives
            ? purger.Purge(PurgeCollection.UtilizationSamples, "utilization", before, now, ct: ct)
            : store.DeleteUtilizationSamplesBefore(before);
        if (deleted > 0) logger.LogInformation("deleted {Count} utilization samples older than {Retention}", deleted, options.Retention);
        return deleted;
    }

    private void Baseline()
    {
        var s = system.Sample();
        _lastTimestamp = Stopwatch.GetTimestamp();
        _lastCpuSeconds = s.CpuSecondsTotal;
        _lastEvents = s.EventsWritten;
        _lastNetworkBytes = network.TotalBytes();
        requests.Drain();
    }

    /// <summary>The interval since the previous sample (or the start).</summary>
    public UtilizationSample Take()
    {
        var s = system.Sample();
        long now = Stopwatch.GetTimestamp();
        double seconds = Math.Max(0.001, Stopwatch.GetElapsedTime(_lastTimestamp, now).TotalSeconds);
        double cpu = Math.Clamp((s.CpuSecondsTotal - _lastCpuSeconds) / seconds / s.ProcessorCount * 100, 0, 100);
        long events = Math.Max(0, s.EventsWritten - _lastEvents);
        long? bytes = network.TotalBytes();
        long? networkBytes = bytes is { } b && _lastNetworkBytes is { } last && b >= last ? b - last : null;
        network.Megabits(); // keeps the system metrics' throughput current between their own readings
        var tally = requests.Drain();
        _lastTimestamp = now;
        _lastCpuSeconds = s.CpuSecondsTotal;
        _lastEvents = s.EventsWritten;
        _lastNetworkBytes = bytes;
        return new UtilizationSample(time.GetUtcNow().ToUnixTimeMilliseconds(), (long)Math.Round(seconds * 1000), Math.Round(cpu, 3), s.MemoryPercent,
            s.ResidentBytes, s.DiskPercent, s.DiskFreeBytes, s.DatabaseBytes, s.QueueDepth, events, tally.Requests, tally.ServerErrors,
            tally.ClientErrors, Math.Round(tally.TotalMs, 3), tally.MaxMs is { } max ? Math.Round(max, 3) : null,
            UtilizationHistogram.Encode(tally.Histogram), networkBytes);
    }
}
