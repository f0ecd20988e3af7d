namespace Herald.Otp;

/// <summary>Settings of the OTP manager (<c>Herald:Otp</c>).</summary>
public sealed class OtpOptions
{
    /// <summary>How long an issued code can be verified.</summary>
    public TimeSpan CodeLifetime { get; set; } = TimeSpan.FromMinutes(5);
    public int CodeLength { get; set; } = 6;
    /// <summary>Wrong codes allowed before the code is locked.</summary>
    public int MaxVerifyAttempts { get; set; } = 5;
    /// <summary>How long a code's record stays after it expired (the attempts stay longer).</summary>
    public TimeSpan ExpiredOtpRetention { get; set; } = TimeSpan.FromHours(24);
    /// <summary>Seed 000: delivery attempts are cleaned up after 30 days.</summary>
    public TimeSpan AttemptRetention { get; set; } = TimeSpan.FromDays(30);
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(10);
    /// <summary>How often enabled services are validated; seed 000 alerts when a validation is older than 30 minutes.</summary>
    public TimeSpan ValidationInterval { get; set; } = TimeSpan.FromMinutes(15);
    /// <summary>One service's send is abandoned (and the next service tried) after this long.</summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>Subject of OTP e-mails; <c>{code}</c> is not allowed here so codes never land in mail logs' subjects.</summary>
    public string EmailSubject { get; set; } = "Your verification code";
    /// <summary>Message text; <c>{code}</c> and <c>{minutes}</c> are replaced.</summary>
    public string MessageTemplate { get; set; } = "Your verification code is {code}. It expires in {minutes} minutes.";
    /// <summary>Enable the console sender for new teams (development and the demo).</summary>
    public bool EnableConsoleSender { get; set; }
}
