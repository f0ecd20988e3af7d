using Herald.Snapshots;

namespace Herald.Jobs;

/// <summary>One scheduled job: its name (seed 002's), the snapshot type it generates and its cron schedule (Quartz format, UTC).</summary>
public sealed record JobDefinition(string Name, string Alias, SnapshotType Type, string Cron, string Schedule, string Description);

/// <summary>Seed 002's three snapshot jobs.</summary>
public static class JobCatalog
{
    public static readonly JobDefinition Daily = new("daily-analytics-snapshot", "daily", SnapshotType.Daily,
        "0 0 2 * * ?", "every day at 02:00 UTC", "Daily snapshots of the previous day for every team and account");
    public static readonly JobDefinition Weekly = new("weekly-analytics-snapshot", "weekly", SnapshotType.Weekly,
        "0 0 3 ? * MON", "Mondays at 03:00 UTC", "Weekly snapshots of the previous ISO week (Monday to Sunday)");
    public static readonly JobDefinition Monthly = new("monthly-analytics-snapshot", "monthly", SnapshotType.Monthly,
        "0 0 4 1 * ?", "the 1st of every month at 04:00 UTC", "Monthly snapshots of the previous calendar month");

    public static readonly JobDefinition[] All = [Daily, Weekly, Monthly];

    /// <summary>A job by its name or alias (<c>daily-analytics-snapshot</c> or <c>daily</c>).</summary>
    public static JobDefinition? Find(string? name)
    {
        foreach (var job in All)
            if (string.Equals(job.Name, name, StringComparison.OrdinalIgnoreCase) || string.Equals(job.Alias, name, StringComparison.OrdinalIgnoreCase))
                return job;
        return null;
    }

    public static string Names => string.Join(", ", All.Select(j => j.Name));
}

/// <summary>The <c>Herald:Jobs</c> section.</summary>
public sealed class JobsOptions
{
    /// <summary>Run the scheduler (the cron triggers). Manual triggers and <c>herald jobs run</c> work either way.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The most periods one manual trigger or CLI run may cover.</summary>
    public int MaxPeriodsPerRun { get; set; } = 3660;
}
