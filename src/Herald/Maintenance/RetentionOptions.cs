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
    /// <summary>
    /// Items none of whose events was received for this long are closed (their later events are refused) and deleted once
    /// their raw events are gone; their rollup cells stay. Null (the default) keeps items forever.
    /// </summary>
    public TimeSpan? Items { get; set; }
    /// <summary>
    /// Contacts (and customers) not updated for this long are deleted, unless their consent state is an opt-out or a kept
    /// delivery names them as its customer; null (the default) keeps them.
    /// </summary>
    public TimeSpan? Contacts { get; set; }
    /// <summary>
    /// Finished deliveries (completed, failed, cancelled) not updated for this long are deleted with their attempts,
    /// tracking events, calls and recordings (audio included); null (the default) keeps them.
    /// </summary>
    public TimeSpan? Deliveries { get; set; }
    /// <summary>Recordings made longer ago than this are deleted with their audio; null (the default) keeps them.</summary>
    public TimeSpan? Recordings { get; set; }
    /// <summary>Write every row the job deletes to the backup store first, as gzip NDJSON (one object per collection and run).</summary>
    public bool Archive { get; set; }
    /// <summary>How often the job runs, and how long after start its first run waits (start-up and recovery go first).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>Rows per delete transaction: the writer never waits long behind one.</summary>
    public int BatchSize { get; set; } = 2000;

    /// <summary>Refuses settings that cannot work (Herald then does not start).</summary>
    public void Validate()
    {
        if (BatchSize < 1) throw new InvalidOperationException($"Herald:Retention:BatchSize ({BatchSize}) must be at least 1");
        foreach (var (name, keep) in new[] { ("Items", Items), ("Contacts", Contacts), ("Deliveries", Deliveries), ("Recordings", Recordings) })
            if (keep is { } k && k <= TimeSpan.Zero) throw new InvalidOperationException($"Herald:Retention:{name} ({k:c}) must be positive");
        // An item goes only once its raw events have, and an event may occur up to a day after it was received: with raw
        // events kept longer (or forever), items would be closed to new events without ever being deleted.
        if (Items is { } items && (RawEvents is not { } raw || raw > items - TimeSpan.FromDays(1)))
            throw new InvalidOperationException(
                $"Herald:Retention:Items ({items:c}) needs Herald:Retention:RawEvents set, and at least a day shorter: an item is deleted only once its raw events are");
    }
}
