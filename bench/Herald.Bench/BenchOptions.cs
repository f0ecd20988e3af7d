namespace Herald.Bench;

public sealed record BenchOptions(string Command, long Events, long HttpEvents, string Dir, int BatchSize, TimeSpan FlushInterval, int Teams = 1000, int ItemsPerTeam = 100, long DashboardEvents = 2_000_000, bool ReuseStore = false, int Days = 30, int Runs = 10, double Minutes = 30, int Rate = 0, string Recipients = "plain")
{
    public static BenchOptions Parse(string[] args)
    {
        string command = args.Length > 0 ? args[0] : "all";
        long events = 10_000_000, httpEvents = 1_000_000, dashboardEvents = 2_000_000;
        int batch = 5000;
        var flush = TimeSpan.FromSeconds(1);
        int teams = 1000, itemsPerTeam = 100;
        bool reuse = false;
        int days = 30, runs = 10, rate = 0;
        double minutes = 30;
        string recipients = "plain";
        string dir = Path.Combine(Path.GetTempPath(), "herald-bench");
        for (int i = 1; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--events": events = long.Parse(args[i + 1]); break;
                case "--http-events": httpEvents = long.Parse(args[i + 1]); break;
                case "--dashboard-events": dashboardEvents = long.Parse(args[i + 1]); break;
                case "--dir": dir = args[i + 1]; break;
                case "--batch": batch = int.Parse(args[i + 1]); break;
                case "--flush-ms": flush = TimeSpan.FromMilliseconds(int.Parse(args[i + 1])); break;
                case "--teams": teams = int.Parse(args[i + 1]); break;
                case "--items-per-team": itemsPerTeam = int.Parse(args[i + 1]); break;
                case "--reuse-store": reuse = args[i + 1] is "1" or "true"; break;
                case "--days": days = int.Parse(args[i + 1]); break;
                case "--runs": runs = int.Parse(args[i + 1]); break;
                case "--minutes": minutes = double.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
                case "--rate": rate = int.Parse(args[i + 1]); break;
                case "--recipients": recipients = args[i + 1]; break;
            }
        }
        Directory.CreateDirectory(dir);
        return new BenchOptions(command, events, httpEvents, dir, batch, flush, teams, itemsPerTeam, dashboardEvents, reuse, days, runs, minutes, rate, recipients);
    }

    public string EngineDb => Path.Combine(Dir, "engine", "herald.db");
    public string BaselineDb => Path.Combine(Dir, "baseline", "baseline.db");
}

/// <summary>Collects result rows and prints them as a Markdown table for docs/PERFORMANCE.md.</summary>
public sealed class Report
{
    private readonly List<(string What, string Value, string Note)> _rows = new();

    public void Add(string what, string value, string note = "")
    {
        _rows.Add((what, value, note));
        Console.WriteLine($"  {what}: {value} {note}");
    }

    public void Print()
    {
        Console.WriteLine();
        Console.WriteLine($"| measurement | value | note |");
        Console.WriteLine($"|---|---|---|");
        foreach (var (what, value, note) in _rows) Console.WriteLine($"| {what} | {value} | {note} |");
    }
}
