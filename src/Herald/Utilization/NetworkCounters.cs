using System.Diagnostics;
using System.Globalization;

namespace Herald.Utilization;

/// <summary>
/// The host's network bytes from <c>/proc/net/dev</c> (received plus sent, summed over the chosen interfaces; by default
/// every interface but <c>lo</c>), and the throughput between two readings at least a second apart, in megabits per second.
/// </summary>
public sealed class NetworkCounters(UtilizationOptions options)
{
    public const string ProcNetDev = "/proc/net/dev";

    private readonly IReadOnlySet<string>? _interfaces = options.Interfaces;
    private readonly Lock _lock = new();
    private long _lastTimestamp;
    private long _lastBytes;
    private double? _megabits;

    /// <summary>Bytes received and sent since boot on the chosen interfaces; null where there is no /proc/net/dev.</summary>
    public long? TotalBytes()
    {
        try
        {
            return File.Exists(ProcNetDev) ? Sum(File.ReadAllLines(ProcNetDev), _interfaces) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Megabits per second between this reading and the previous one (a reading less than a second after the previous
    /// repeats its figure); null before a second reading, or without /proc/net/dev.
    /// </summary>
    public double? Megabits()
    {
        long? bytes = TotalBytes();
        if (bytes is not { } total) return null;
        long now = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            if (_lastTimestamp != 0)
            {
                double seconds = Stopwatch.GetElapsedTime(_lastTimestamp, now).TotalSeconds;
                if (seconds < 1) return _megabits;
                // A counter that went backwards (an interface went away) gives no rate for this step.
                _megabits = total >= _lastBytes ? Math.Round((total - _lastBytes) * 8 / 1e6 / seconds, 3) : _megabits;
            }
            _lastTimestamp = now;
            _lastBytes = total;
            return _megabits;
        }
    }

    /// <summary>Received plus sent bytes of the interfaces in <paramref name="only"/> (null: all but lo) in /proc/net/dev's lines.</summary>
    public static long Sum(IEnumerable<string> lines, IReadOnlySet<string>? only)
    {
        long total = 0;
        foreach (var line in lines)
        {
            int colon = line.IndexOf(':');
            if (colon < 0) continue; // the two header lines
            string name = line[..colon].Trim();
            if (only is null ? name == "lo" : !only.Contains(name)) continue;
            var fields = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 9) continue;
            total += long.Parse(fields[0], CultureInfo.InvariantCulture) + long.Parse(fields[8], CultureInfo.InvariantCulture);
        }
        return total;
    }
}
