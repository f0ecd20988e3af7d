using Herald.Hosting;
using Herald.Outbound;
using Herald.Storage;
using Herald.Storage.Sqlite;

namespace Herald.Deliveries;

/// <summary>Wiring of the delivery operation: its stores, services, writer and routes.</summary>
public static class DeliveryServices
{
    public static IServiceCollection AddDeliveries(this IServiceCollection services, IConfiguration configuration, HeraldOptions options)
    {
        var deliveryOptions = configuration.GetSection("Herald:Deliveries").Get<DeliveryOptions>() ?? new DeliveryOptions();
        deliveryOptions.Validate();
        services.AddSingleton(deliveryOptions);
        services.AddSingleton<IAgentStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<ICustomerStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<IDeliveryStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton(_ => AgentTokens.FromKeyFile(Path.Combine(options.DataDir, "agent-token.key")));
        services.AddSingleton(_ => VapidKeys.FromKeyFile(Path.Combine(options.DataDir, "vapid.key")));
        services.AddSingleton<AgentPushQueue>();
        services.AddOutboundGuard();
        services.AddHostedService<AgentPushSender>();
        services.AddSingleton<AgentService>();
        services.AddSingleton<CustomerService>();
        services.AddSingleton<DeliveryCommands>();
        services.AddSingleton<DeliveryViews>();
        services.AddSingleton<DeliveryWriter>();
        services.AddSingleton<AgentAnalytics>();
        services.AddHostedService<DeliveryWriterLifetime>();
        return services;
    }

    public static IEndpointRouteBuilder MapDeliveryOperations(this IEndpointRouteBuilder app)
    {
        app.MapAgentsEndpoints();
        app.MapCustomersEndpoints();
        app.MapDeliveriesEndpoints();
        app.MapDeliverySettingsEndpoints();
        app.MapAgentAnalyticsEndpoints();
        return app;
    }
}

/// <summary>Answers the delivery writer's queued commands before the ingest queue stops (registered after it, so stopped before it).</summary>
public sealed class DeliveryWriterLifetime(DeliveryWriter writer) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken) => await writer.DisposeAsync();
}
