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

    public void Validate()
    {
        if (AgentTokenLifetime < TimeSpan.FromMinutes(1) || AgentTokenLifetime > TimeSpan.FromDays(1))
            throw new InvalidOperationException("Herald:Deliveries:AgentTokenLifetime must be from 00:01:00 to 1.00:00:00");
        if (MaxFailedSignIns < 1) throw new InvalidOperationException("Herald:Deliveries:MaxFailedSignIns must be at least 1");
        if (SignInLockout <= TimeSpan.Zero) throw new InvalidOperationException("Herald:Deliveries:SignInLockout must be positive");
        if (MaxCommandsPerTransaction < 1) throw new InvalidOperationException("Herald:Deliveries:MaxCommandsPerTransaction must be at least 1");
    }
}
