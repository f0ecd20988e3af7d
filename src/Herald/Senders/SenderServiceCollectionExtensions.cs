using Herald.Outbound;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Herald.Senders;

public static class SenderServiceCollectionExtensions
{
    /// <summary>
    /// Registers the smtp, phone-email, twilio and console senders and the <see cref="SenderRegistry"/> (all singletons),
    /// with the outbound guard they connect through (<see cref="OutboundHttp.AddOutboundGuard"/>). Idempotent.
    /// </summary>
    public static IServiceCollection AddHeraldSenders(this IServiceCollection services)
    {
        services.AddOutboundGuard();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMessageSender, SmtpSender>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMessageSender, PhoneEmailSender>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMessageSender, TwilioSender>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMessageSender, ConsoleSender>());
        services.TryAddSingleton<SenderRegistry>();
        return services;
    }
}
