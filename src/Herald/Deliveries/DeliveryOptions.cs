namespace Herald.Deliveries;

/// <summary>The <c>Herald:Deliveries</c> settings.</summary>
public sealed class DeliveryOptions
{
    /// <summary>How long an agent's sign-in token is good for.</summary>
    public TimeSpan AgentTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);
    /// <summary>Failed sign-ins in a row that lock an agent's sign-in.</summary>
    public int MaxFailedSignIns { get; set; } = 5;
    /// <summary>How long a locked sign-in stays locked.</summary>
    public TimeSpan SignInLockout { get; set; } = TimeSpan.FromMinutes(15);
    /// <summary>Delivery changes the writer commits in one transaction at most.</summary>
    public int MaxCommandsPerTransaction { get; set; } = 512;
    /// <summary>The VAPID <c>sub</c> claim (a <c>mailto:</c> or <c>https:</c> contact the push services may use), or none.</summary>
    public string? PushSubject { get; set; }
    /// <summary>How long a push service keeps an assignment message for an agent whose device is offline.</summary>
    public TimeSpan PushTimeToLive { get; set; } = TimeSpan.FromHours(1);
    /// <summary>How long one push request may take.</summary>
    public TimeSpan PushTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public void Validate()
    {
        if (AgentTokenLifetime < TimeSpan.FromMinutes(1) || AgentTokenLifetime > TimeSpan.FromDays(1))
            throw new InvalidOperationException("Herald:Deliveries:AgentTokenLifetime must be from 00:01:00 to 1.00:00:00");
        if (MaxFailedSignIns < 1) throw new InvalidOperationException("Herald:Deliveries:MaxFailedSignIns must be at least 1");
        if (SignInLockout <= TimeSpan.Zero) throw new InvalidOperationException("Herald:Deliveries:SignInLockout must be positive");
        if (PushSubject is { } subject && !(subject.StartsWith("mailto:", StringComparison.Ordinal) || subject.StartsWith("https://", StringComparison.Ordinal)))
            throw new InvalidOperationException("Herald:Deliveries:PushSubject must be a mailto: or https:// contact");
        if (PushTimeToLive < TimeSpan.Zero || PushTimeToLive > TimeSpan.FromDays(28))
            throw new InvalidOperationException("Herald:Deliveries:PushTimeToLive must be from 00:00:00 to 28.00:00:00");
        if (PushTimeout <= TimeSpan.Zero) throw new InvalidOperationException("Herald:Deliveries:PushTimeout must be positive");
        if (MaxCommandsPerTransaction < 1) throw new InvalidOperationException("Herald:Deliveries:MaxCommandsPerTransaction must be at least 1");
    }
}
