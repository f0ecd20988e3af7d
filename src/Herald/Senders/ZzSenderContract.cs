// Temporary: the senders branch brings the real contract; this file goes at the merge.
namespace Herald.Senders;
public sealed record OutboundMessage(string Channel, string To, string Subject, string Body, string? StatusCallbackUrl = null);
public sealed record SendResult(bool Success, string? ProviderMessageId, string? ErrorCode, string? ErrorMessage, TimeSpan Elapsed);
public sealed record ValidationResult(bool Ok, string? Error, TimeSpan Elapsed);
public interface IMessageSender
{
    string Kind { get; }
    bool Supports(string channel);
    Task<SendResult> SendAsync(OutboundMessage message, IReadOnlyDictionary<string, string> settings, CancellationToken ct);
    Task<ValidationResult> ValidateAsync(IReadOnlyDictionary<string, string> settings, CancellationToken ct);
}
public sealed class SenderRegistry
{
    public IMessageSender Get(string kind) => throw new NotImplementedException();
    public bool TryGet(string kind, out IMessageSender sender) { sender = null!; return false; }
    public IEnumerable<string> Kinds => [];
}
public static class SenderServiceCollectionExtensions
{
    public static IServiceCollection AddHeraldSenders(this IServiceCollection services) => services.AddSingleton<SenderRegistry>();
}
