namespace Herald.Bench;

/// <summary>
/// What continuous WAL archiving costs ingest: the HTTP ingest run with archiving off and on, alternated in the same
/// process (off, on, off, on) so machine load falls on both alike; the archive's size on disk is reported too.
/// </summary>
public static class ArchiveBench
{
    public static async Task RunAsync(BenchOptions o, Report report)
    {
        string archive = Path.Combine(o.Dir, "archive-store");
        var archiving = new Dictionary<string, string>
        {
            ["HERALD_BACKUP_KEY"] = "bench archive key",
            ["Herald__Backup__Archive__Enabled"] = "true",
            ["Herald__Backup__Archive__Directory"] = archive,
        };
        var off = new List<double>();
        var on = new List<double>();
        for (int round = 0; round < 2; round++)
        {
            off.Add((await HttpBench.IngestAsync(o, Path.Combine(o.Dir, "archive-off"))).EventsPerSecond);
            if (Directory.Exists(archive)) Directory.Delete(archive, true);
            on.Add((await HttpBench.IngestAsync(o, Path.Combine(o.Dir, "archive-on"), archiving)).EventsPerSecond);
            Console.WriteLine($"archive round {round + 1}: off {off[^1]:N0} events/s, on {on[^1]:N0} events/s");
        }
        long archiveBytes = Directory.EnumerateFiles(archive, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        long segments = Directory.EnumerateFiles(archive, "*.seg", SearchOption.AllDirectories).LongCount();
        report.Add($"HTTP ingest, archiving off ({o.HttpEvents:N0} events, best of 2)", $"{off.Max():N0} events/s", string.Join(" / ", off.Select(v => v.ToString("N0"))));
        report.Add($"HTTP ingest, archiving on ({o.HttpEvents:N0} events, best of 2)", $"{on.Max():N0} events/s", string.Join(" / ", on.Select(v => v.ToString("N0"))));
        report.Add("archiving on / off", $"{on.Max() / off.Max():P0}", "best run against best run");
        report.Add("archive written by the last run", $"{archiveBytes / 1_000_000.0:N1} MB in {segments:N0} segments", "base + segments, compressed and encrypted");
    }
}
