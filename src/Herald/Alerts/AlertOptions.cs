namespace Herald.Alerts;

/// <summary>The <c>Herald:Alerts</c> section.</summary>
public sealed class AlertOptions
{
    /// <summary>Evaluate every rule of every team this often.</summary>
    public TimeSpan EvaluationInterval { get; set; } = TimeSpan.FromSeconds(15);
    /// <summary>A firing alert nobody acknowledged is notified again this often.</summary>
    public TimeSpan ReminderInterval { get; set; } = TimeSpan.FromHours(1);
    /// <summary>The shortest window a delivery metric is read over: the window is max(rule duration, this).</summary>
    public TimeSpan MinimumWindow { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>Tries per notification (the first and the retries), with exponential backoff from <see cref="NotificationBackoff"/>.</summary>
    public int NotificationAttempts { get; set; } = 4;
    public TimeSpan NotificationBackoff { get; set; } = TimeSpan.FromSeconds(2);
    /// <summary>One webhook request is abandoned after this.</summary>
    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(10);
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Seed 003's response times per severity: a firing alert should be acknowledged within its severity's target; one that
    /// is not is sent to the next channel of its rule's escalation path, one more per target that passes. Warning and info
    /// (seed 004's levels) default to medium's and low's.
    /// </summary>
    public Dictionary<string, TimeSpan> ResponseTargets { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["critical"] = TimeSpan.FromMinutes(15),
        ["high"] = TimeSpan.FromHours(1),
        ["medium"] = TimeSpan.FromHours(4),
        ["low"] = TimeSpan.FromHours(24),
        ["warning"] = TimeSpan.FromHours(4),
        ["info"] = TimeSpan.FromHours(24),
    };

    public TimeSpan ResponseTarget(string severity) => ResponseTargets.TryGetValue(severity, out var t) ? t : TimeSpan.FromHours(24);

    /// <summary>Stops the start with a clear message when a setting cannot work.</summary>
    public void Validate()
    {
        foreach (var (severity, target) in ResponseTargets)
        {
            if (Array.IndexOf(AlertSeverities.All, severity.ToLowerInvariant()) < 0)
                throw new InvalidOperationException($"Herald:Alerts:ResponseTargets:{severity}: unknown severity; one of {string.Join(", ", AlertSeverities.All)}");
            if (target <= TimeSpan.Zero)
                throw new InvalidOperationException($"Herald:Alerts:ResponseTargets:{severity}: must be a positive time span such as 00:15:00");
        }
    }
}
