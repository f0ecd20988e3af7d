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
}
