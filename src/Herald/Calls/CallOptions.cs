namespace Herald.Calls;

/// <summary>The <c>Herald:Calls</c> settings.</summary>
public sealed class CallOptions
{
    /// <summary>Raw callbacks kept per call in webhook_events; past it the oldest go.</summary>
    public int MaxWebhookEventsPerCall { get; set; } = 50;
    /// <summary>How long Twilio's REST API may take to answer a request to place a call.</summary>
    public TimeSpan TwilioTimeout { get; set; } = TimeSpan.FromSeconds(15);
    /// <summary>What the customer hears when a call is placed without a TwiML URL of the team's own.</summary>
    public string DefaultMessage { get; set; } =
        "Hello, this is your delivery service calling about your delivery. Please tell us any instructions for the driver.";
    /// <summary>Seconds the default TwiML holds the line for the customer's answer.</summary>
    public int RecordSeconds { get; set; } = 60;

    public void Validate()
    {
        if (MaxWebhookEventsPerCall is < 1 or > 1000) throw new InvalidOperationException("Herald:Calls:MaxWebhookEventsPerCall must be from 1 to 1000");
        if (TwilioTimeout <= TimeSpan.Zero || TwilioTimeout > TimeSpan.FromMinutes(5)) throw new InvalidOperationException("Herald:Calls:TwilioTimeout must be from 00:00:01 to 00:05:00");
        if (string.IsNullOrWhiteSpace(DefaultMessage) || DefaultMessage.Length > 2000) throw new InvalidOperationException("Herald:Calls:DefaultMessage must be 1 to 2000 characters");
        if (RecordSeconds is < 1 or > 3600) throw new InvalidOperationException("Herald:Calls:RecordSeconds must be from 1 to 3600");
    }
}
