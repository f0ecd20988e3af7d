using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Herald.Senders;

public static class SenderServiceCollectionExtensions
{
    /// <summary>The HttpClient name the Twilio sender asks <see cref="IHttpClientFactory"/> for.</summary>
    public const string TwilioHttpClientName = "herald.senders.twilio";

    /// <summary>Registers the smtp, phone-email, twilio and console senders and the <see cref="SenderRegistry"/> (all singletons). Idempotent.</summary>
    public static IServiceCollection AddHeraldSenders(this IServiceCollection services)
    {
        services.AddLogging();
        // Timeouts are per call (the timeout_ms setting), so the client's own stays out of the way.
        services.AddHttpClient(TwilioHttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMessageSender, SmtpSender>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMessageSender, PhoneEmailSender>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMessageSender, TwilioSender>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMessageSender, ConsoleSender>());
        services.TryAddSingleton<SenderRegistry>();
        return services;
    }
}
