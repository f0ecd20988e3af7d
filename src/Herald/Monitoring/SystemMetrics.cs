using System.Diagnostics;
using System.Globalization;
using Herald.Hosting;
using Herald.Storage;
using Herald.Engine;

namespace Herald.Monitoring;

/// <summary>The Herald process and its host at one moment.</summary>
public sealed record SystemSnapshot(
    DateTimeOffset At, double CpuPercent, double CpuSecondsTotal, int ProcessorCount, long ResidentBytes, long MemoryLimitBytes,
    double MemoryPercent, long GcHeapBytes, long GcCommittedBytes, IReadOnlyList<long> GcCollections, long DiskTotalBytes,
    long DiskFreeBytes, double DiskPercent, long DatabaseBytes, long WalBytes, long QueueDepth, long EventsWritten,
    double EventsPerSecond, long ActiveRequests, double UptimeSeconds, int ThreadCount);

/// <summary>
/// Samples the process: CPU % is the CPU time used between two samples over the wall time times the core count (a sample
/// less than a second after the previous one repeats its figure); memory % is the resident set of the memory limit (the
/// cgroup's when one is set, else physical memory); disk % is the used share of the data directory's file system.
/// </summary>
public sealed class SystemMetrics(HeraldOptions options, IStoreProbe store, IngestQueue queue, RequestMetrics requests, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly DateTimeOffset _started = time.GetUtcNow();
    private long _lastTimestamp;
    private double _lastCpuSeconds;
    private long _lastEvents;
    private double _cpuPercent, _eventsPerSecond;
    private long? _memoryLimit;

    public SystemSnapshot Sample()
    {
        using var process = Process.GetCurrentProcess();
        double cpuSeconds = process.TotalProcessorTime.TotalSeconds;
        long events = queue.EventsWritten;
        long now = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            if (_lastTimestamp == 0)
            {
                // First sample: the average since the process started.
                double wall = Math.Max(0.001, (DateTime.Now - process.StartTime).TotalSeconds);
                _cpuPercent = Math.Clamp(cpuSeconds / wall / Environment.ProcessorCount * 100, 0, 100);
                _lastTimestamp = now;
                _lastCpuSeconds = cpuSeconds;
                _lastEvents = events;
            }
            else if (Stopwatch.GetElapsedTime(_lastTimestamp, now).TotalSeconds >= 1)
            {
                double wall = Stopwatch.GetElapsedTime(_lastTimestamp, now).TotalSeconds;
                _cpuPercent = Math.Clamp((cpuSeconds - _lastCpuSeconds) / wall / Environment.ProcessorCount * 100, 0, 100);
                _eventsPerSecond = (events - _lastEvents) / wall;
                _lastTimestamp = now;
                _lastCpuSeconds = cpuSeconds;
                _lastEvents = events;
            }
        }

        long rss = process.WorkingSet64;
        long limit = _memoryLimit ??= MemoryLimit();
        var gc = GC.GetGCMemoryInfo();
        var (diskTotal, diskFree) = Disk(options.DataDir);
        var (db, wal) = store.FileSizes();
        var collections = new long[GC.MaxGeneration + 1];
        for (int g = 0; g < collections.Length; g++) collections[g] = GC.CollectionCount(g);
        return new SystemSnapshot(time.GetUtcNow(), Math.Round(_cpuPercent, 2), cpuSeconds, Environment.ProcessorCount, rss, limit,
            limit > 0 ? Math.Round(rss * 100.0 / limit, 2) : 0, GC.GetTotalMemory(false), gc.TotalCommittedBytes, collections,
            diskTotal, diskFree, diskTotal > 0 ? Math.Round((diskTotal - diskFree) * 100.0 / diskTotal, 2) : 0, db, wal, queue.Depth,
            events, Math.Round(_eventsPerSecond, 2), requests.InFlight, (time.GetUtcNow() - _started).TotalSeconds, process.Threads.Count);
    }

    private static (long Total, long Free) Disk(string dataDir)
    {
        try
        {
            var drive = new DriveInfo(Path.GetFullPath(dataDir));
            return (drive.TotalSize, drive.AvailableFreeSpace);
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return (0, 0);
        }
    }

    /// <summary>The cgroup (v2, then v1) memory limit when one is set, else physical memory from /proc/meminfo, else the GC's view.</summary>
    private static long MemoryLimit()
    {
        long physical = ReadMemInfoTotal() ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        foreach (var file in new[] { "/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes" })
        {
            try
            {
                if (!File.Exists(file)) continue;
                var text = File.ReadAllText(file).Trim();
                if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long limit) && limit > 0 && limit < physical) return limit;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        return physical;
    }

    private static long? ReadMemInfoTotal()
    {
        try
        {
            if (!File.Exists("/proc/meminfo")) return null;
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (!line.StartsWith("MemTotal:", StringComparison.Ordinal)) continue;
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }
        return null;
    }
}
