using System.Collections.Concurrent;
using Herald.Senders;

namespace Herald.Hosting;

/// <summary>
/// <c>--demo</c> only: the simulated users' phones and mailboxes. A sender that delivers into memory, so the demo can
/// read a code back and verify it as a real user would. Never registered outside the demo.
/// </summary>
public sealed class DemoInbox : IMessageSender
{
    private readonly ConcurrentDictionary<string, string> _latest = new(StringComparer.Ordinal);

    public string Kind => "demo-inbox";

    public bool Supports(string channel) => channel is "sms" or "email";

    public Task<SendResult> SendAsync(OutboundMessage message, IReadOnlyDictionary<string, string> settings, CancellationToken ct)
    {
        _latest[message.To] = message.Body;
        return Task.FromResult(SendResult.Ok("demo-" + Guid.NewGuid().ToString("n"), TimeSpan.Zero));
    }

    public Task<ValidationResult> ValidateAsync(IReadOnlyDictionary<string, string> settings, CancellationToken ct) =>
        Task.FromResult(new ValidationResult(true, null, TimeSpan.Zero));

    /// <summary>The last message delivered to a recipient, taken out of the inbox.</summary>
    public string? Take(string recipient) => _latest.TryRemove(recipient, out var body) ? body : null;
}
