namespace Herald.Maintenance;

/// <summary>
/// The <c>Herald:Retention</c> section: seed 004's table (minute cells 24 h, hourly 30 days, daily 1 year, monthly 3 years)
/// and raw events (kept forever unless <see cref="RawEvents"/> is set).
/// </summary>
public sealed class RetentionOptions
{
    public bool Enabled { get; set; } = true;
    public TimeSpan MinuteRollups { get; set; } = TimeSpan.FromHours(24);
    public TimeSpan HourlyRollups { get; set; } = TimeSpan.FromDays(30);
    public TimeSpan DailyRollups { get; set; } = TimeSpan.FromDays(365);
    public TimeSpan MonthlyRollups { get; set; } = TimeSpan.FromDays(3 * 365);
    /// <summary>Raw events older than this are deleted; null (the default) keeps them forever.</summary>
    public TimeSpan? RawEvents { get; set; }
    /// <summary>Resolved alerts (with their notification log) resolved longer ago than this are deleted; null keeps them.</summary>
    public TimeSpan? AlertHistory { get; set; } = TimeSpan.FromDays(365);
    /// <summary>Analytics snapshots whose period ended longer ago than this are deleted; null (the default) keeps them.</summary>
    public TimeSpan? Snapshots { get; set; }
    /// <summary>
    /// Consent changes older than this are deleted unless they are a recipient's latest (which decides their consent today,
    /// so a STOP stays in force); null (the default) keeps them all.
    /// </summary>
    public TimeSpan? ConsentChanges { get; set; }
    /// <summary>How often the job runs, and how long after start its first run waits (start-up and recovery go first).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>Rows per delete transaction: the writer never waits long behind one.</summary>
    public int BatchSize { get; set; } = 2000;
}
