
namespace Herald.Senders;

/// <summary>
/// Development only: writes the message (recipient, subject, body — an OTP code in clear) to the log at Information and
/// always succeeds with a fresh <c>console-...</c> id. Supports sms and email; takes no settings; validation always passes.
/// </summary>
public sealed class ConsoleSender(ILogger<ConsoleSender> logger) : IMessageSender
{
    public string Kind => "console";

    public bool Supports(string channel) => SenderResults.IsChannel(channel, "sms") || SenderResults.IsChannel(channel, "email");

    public Task<SendResult> SendAsync(OutboundMessage message, IReadOnlyDictionary<string, string> settings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        if (!Supports(message.Channel))
            return Task.FromResult(SendResult.Fail(SendErrorCodes.UnsupportedChannel, $"console prints sms and email, not '{message.Channel}'", clock.Elapsed));
        var id = $"console-{Guid.NewGuid():N}";
        logger.LogInformation("Outbound {Channel} {Id} to {To}, subject {Subject}: {Body}",
            message.Channel, id, message.To, message.Subject, message.Body);
        return Task.FromResult(SendResult.Ok(id, clock.Elapsed));
    }

    public Task<ValidationResult> ValidateAsync(IReadOnlyDictionary<string, string> settings, CancellationToken ct) =>
        Task.FromResult(new ValidationResult(true, null, TimeSpan.Zero));
}
