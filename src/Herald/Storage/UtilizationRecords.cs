namespace Herald.Storage;

/// <summary>
/// What the Herald process did over one sampling interval ending at <see cref="AtMs"/>: CPU (of all cores, averaged over
/// the interval), memory, disk and database size at its end, and the requests, errors, ingested events and network bytes
/// within it. <see cref="LatencyHistogram"/> holds the requests' times on the engine's latency scale (see
/// <c>UtilizationHistogram</c>); <see cref="NetworkBytes"/> is null where the host has no <c>/proc/net/dev</c>.
/// </summary>
public sealed record UtilizationSample(
    long AtMs, long IntervalMs, double CpuPercent, double MemoryPercent, long MemoryBytes, double DiskPercent, long DiskFreeBytes,
    long DatabaseBytes, long QueueDepth, long Events, long Requests, long ServerErrors, long ClientErrors, double LatencyTotalMs,
    double? LatencyMaxMs, byte[]? LatencyHistogram, long? NetworkBytes);

public interface IUtilizationStore
{
    void InsertUtilizationSample(UtilizationSample sample);

    /// <summary>The samples whose interval ends in (<paramref name="fromMs"/>, <paramref name="toMs"/>], oldest first.</summary>
    void ReadUtilizationSamples(long fromMs, long toMs, Action<UtilizationSample> visit);

    /// <summary>Deletes the samples that ended before <paramref name="beforeMs"/>; answers how many.</summary>
    int DeleteUtilizationSamplesBefore(long beforeMs);
}
