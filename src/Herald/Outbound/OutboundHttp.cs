using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Herald.Outbound;

/// <summary>
/// The one HttpClient for every HTTP call a team can point somewhere (alert webhooks, Twilio's base URL):
/// <c>IHttpClientFactory.CreateClient(OutboundHttp.ClientName)</c>. Its handler connects through
/// <see cref="OutboundConnector"/>, follows no redirect (a 3xx is the answer) and ignores proxy variables (a proxy would
/// connect on the caller's behalf, past the address check).
/// </summary>
public static class OutboundHttp
{
    public const string ClientName = "herald.outbound";
    /// <summary>Receivers and providers answer a status and a small JSON body; a bigger answer is refused, not buffered.</summary>
    public const int MaxResponseBytes = 1024 * 1024;

    /// <summary>
    /// Registers <see cref="OutboundConnector"/> and the named client. The policy is the one already registered (the host's,
    /// from <see cref="OutboundPolicy.AllowListSetting"/>), else no allow-list. Idempotent.
    /// </summary>
    public static IServiceCollection AddOutboundGuard(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(OutboundConnector))) return services;
        services.AddLogging();
        services.TryAddSingleton(OutboundPolicy.Default);
        services.AddSingleton<OutboundConnector>();
        // Timeouts are per call (each caller's own setting), so the client's own stays out of the way.
        services.AddHttpClient(ClientName, c =>
            {
                c.Timeout = Timeout.InfiniteTimeSpan;
                c.MaxResponseContentBufferSize = MaxResponseBytes;
            })
            .ConfigurePrimaryHttpMessageHandler(sp => CreateHandler(sp.GetRequiredService<OutboundConnector>()))
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);
        return services;
    }

    /// <summary>A handler whose connections <paramref name="connector"/> makes, for clients built outside the factory (the S3 SDK's).</summary>
    public static SocketsHttpHandler CreateHandler(OutboundConnector connector) => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        UseCookies = false,
        // Connections are renewed, so a receiver's DNS change is seen (and checked again) within minutes.
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectCallback = async (context, ct) =>
            new NetworkStream(await connector.ConnectAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port, ct), ownsSocket: true),
    };
}
