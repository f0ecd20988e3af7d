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
    double EventsPerSecond, long ActiveRequests, double UptimeSeconds, int ThreadCount, DiskIo? DiskIo);

/// <summary>
/// The process's I/O from <c>/proc/self/io</c>: bytes it made the storage layer read and write (<c>read_bytes</c>,
/// <c>write_bytes</c>, page cache hits excluded) and its read and write system calls (<c>syscr</c>, <c>syscw</c>: files,
/// sockets and pipes alike, the only operation count the kernel keeps per process), totals and per second.
/// </summary>
public sealed record DiskIo(
    long ReadBytes, long WriteBytes, long ReadCalls, long WriteCalls, double ReadBytesPerSecond, double WriteBytesPerSecond, double OpsPerSecond);

/// <summary>
/// Samples the process: CPU % is the CPU time used between two samples over the wall time times the core count (a sample
/// less than a second after the previous one repeats its figure); memory % is the resident set of the memory limit (the
/// cgroup's when one is set, else physical memory); disk % is the used share of the data directory's file system; disk I/O
/// rates are between two samples like CPU % (<see cref="DiskIo"/>; null where <c>/proc/self/io</c> cannot be read).
/// </summary>
public sealed class SystemMetrics(HeraldOptions options, IStoreProbe store, IngestQueue queue, RequestMetrics requests, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly DateTimeOffset _started = time.GetUtcNow();
    private long _lastTimestamp;
    private double _lastCpuSeconds;
    private long _lastEvents;
    private double _cpuPercent, _eventsPerSecond;
    private IoCounters? _lastIo;
    private (double Read, double Write, double Ops) _ioRates;
    private long? _memoryLimit;

    public SystemSnapshot Sample()
    {
        using var process = Process.GetCurrentProcess();
        double cpuSeconds = process.TotalProcessorTime.TotalSeconds;
        long events = queue.EventsWritten;
        var io = IoCounters.Read();
        long now = Stopwatch.GetTimestamp();
        DiskIo? diskIo;
        lock (_lock)
        {
            if (_lastTimestamp == 0)
            {
                // First sample: the average since the process started.
                double wall = Math.Max(0.001, (DateTime.Now - process.StartTime).TotalSeconds);
                _cpuPercent = Math.Clamp(cpuSeconds / wall / Environment.ProcessorCount * 100, 0, 100);
                if (io is { } first) _ioRates = IoCounters.Rates(default, first, wall);
                _lastTimestamp = now;
                _lastCpuSeconds = cpuSeconds;
                _lastEvents = events;
                _lastIo = io;
            }
            else if (Stopwatch.GetElapsedTime(_lastTimestamp, now).TotalSeconds >= 1)
            {
                double wall = Stopwatch.GetElapsedTime(_lastTimestamp, now).TotalSeconds;
                _cpuPercent = Math.Clamp((cpuSeconds - _lastCpuSeconds) / wall / Environment.ProcessorCount * 100, 0, 100);
                _eventsPerSecond = (events - _lastEvents) / wall;
                if (io is { } current && _lastIo is { } previous) _ioRates = IoCounters.Rates(previous, current, wall);
                _lastTimestamp = now;
                _lastCpuSeconds = cpuSeconds;
                _lastEvents = events;
                _lastIo = io;
            }
            diskIo = io is { } c
                ? new DiskIo(c.ReadBytes, c.WriteBytes, c.ReadCalls, c.WriteCalls, Math.Round(_ioRates.Read, 1), Math.Round(_ioRates.Write, 1), Math.Round(_ioRates.Ops, 2))
                : null;
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
            events, Math.Round(_eventsPerSecond, 2), requests.InFlight, (time.GetUtcNow() - _started).TotalSeconds, process.Threads.Count, diskIo);
    }

    /// <summary>The counters of <c>/proc/self/io</c> this class reports.</summary>
    private readonly record struct IoCounters(long ReadBytes, long WriteBytes, long ReadCalls, long WriteCalls)
    {
        /// <summary>Bytes read and written and system calls per second from <paramref name="from"/> to <paramref name="to"/>.</summary>
        public static (double Read, double Write, double Ops) Rates(IoCounters from, IoCounters to, double seconds) =>
            (Math.Max(0, to.ReadBytes - from.ReadBytes) / seconds, Math.Max(0, to.WriteBytes - from.WriteBytes) / seconds,
                Math.Max(0, to.ReadCalls + to.WriteCalls - from.ReadCalls - from.WriteCalls) / seconds);

        public static IoCounters? Read()
        {
            try
            {
                if (!File.Exists(ProcSelfIo)) return null;
                long readBytes = -1, writeBytes = -1, readCalls = -1, writeCalls = -1;
                foreach (var line in File.ReadLines(ProcSelfIo))
                {
                    int colon = line.IndexOf(':');
                    if (colon < 0 || !long.TryParse(line.AsSpan(colon + 1).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long value)) continue;
                    switch (line.AsSpan(0, colon))
                    {
                        case "read_bytes": readBytes = value; break;
                        case "write_bytes": writeBytes = value; break;
                        case "syscr": readCalls = value; break;
                        case "syscw": writeCalls = value; break;
                    }
                }
                return readBytes < 0 || writeBytes < 0 || readCalls < 0 || writeCalls < 0 ? null : new IoCounters(readBytes, writeBytes, readCalls, writeCalls);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }
    }

    private const string ProcSelfIo = "/proc/self/io";

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
