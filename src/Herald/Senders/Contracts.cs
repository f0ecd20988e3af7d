namespace Herald.Senders;

/// <summary>One message to hand to an outbound service.</summary>
/// <param name="Channel"><c>"sms"</c> or <c>"email"</c>.</param>
/// <param name="To">An E.164 phone number for <c>sms</c>, an email address for <c>email</c>.</param>
/// <param name="Subject">Used by email senders only (<c>smtp</c>, and <c>phone-email</c>'s gateway mail).</param>
/// <param name="Body">Plain text.</param>
/// <param name="StatusCallbackUrl">Where the provider should report delivery status (Twilio's <c>StatusCallback</c>); ignored by SMTP.</param>
public sealed record OutboundMessage(string Channel, string To, string Subject, string Body, string? StatusCallbackUrl = null);

/// <summary>
/// What a service did with a message. <c>Success=false</c> means this service did not take the message
/// (the caller falls back to the next service). <see cref="ErrorCode"/> is the provider's own code where it gave one
/// (an SMTP status such as <c>550</c> or the enhanced <c>5.1.1</c>, a Twilio code such as <c>21211</c>), else one of
/// <see cref="SendErrorCodes"/>.
/// </summary>
public sealed record SendResult(bool Success, string? ProviderMessageId, string? ErrorCode, string? ErrorMessage, TimeSpan Elapsed)
{
    public static SendResult Ok(string? providerMessageId, TimeSpan elapsed) => new(true, providerMessageId, null, null, elapsed);
    public static SendResult Fail(string errorCode, string errorMessage, TimeSpan elapsed) => new(false, null, errorCode, errorMessage, elapsed);
}

/// <summary>Whether a service's settings work (credentials, reachability), found without sending anything.
/// <see cref="Error"/> reads <c>"code: message"</c> with the same codes as <see cref="SendResult.ErrorCode"/>.</summary>
public sealed record ValidationResult(bool Ok, string? Error, TimeSpan Elapsed);

/// <summary>The error codes senders use when the provider gave none of its own.</summary>
public static class SendErrorCodes
{
    /// <summary>A required setting is missing or a setting is malformed; the message names it.</summary>
    public const string ConfigInvalid = "config_invalid";
    /// <summary>The service could not be reached (DNS, refused, unreachable, TLS handshake).</summary>
    public const string ConnectFailed = "connect_failed";
    /// <summary>The service did not answer within <c>timeout_ms</c>.</summary>
    public const string Timeout = "timeout";
    /// <summary>The connection broke after it was made.</summary>
    public const string ConnectionLost = "connection_lost";
    /// <summary>The service answered something this client cannot read.</summary>
    public const string ProtocolError = "protocol_error";
    /// <summary>The sender does not handle the message's channel.</summary>
    public const string UnsupportedChannel = "unsupported_channel";
    /// <summary>The recipient cannot be addressed by this sender (an email address with a line break, a phone number without digits).</summary>
    public const string InvalidRecipient = "invalid_recipient";
}

/// <summary>
/// An outbound delivery service. Implementations are stateless singletons: every call gets its settings, so one
/// instance serves every configured account. They never throw for a delivery failure (they return a failed
/// <see cref="SendResult"/>); only the caller's own cancellation surfaces as <see cref="OperationCanceledException"/>.
/// </summary>
public interface IMessageSender
{
    /// <summary><c>"smtp"</c>, <c>"twilio"</c>, <c>"phone-email"</c> or <c>"console"</c>.</summary>
    string Kind { get; }

    /// <summary>smtp: email; twilio: sms; phone-email: sms; console: both.</summary>
    bool Supports(string channel);

    Task<SendResult> SendAsync(OutboundMessage message, IReadOnlyDictionary<string, string> settings, CancellationToken ct);

    /// <summary>Checks credentials and reachability without sending.</summary>
    Task<ValidationResult> ValidateAsync(IReadOnlyDictionary<string, string> settings, CancellationToken ct);
}
