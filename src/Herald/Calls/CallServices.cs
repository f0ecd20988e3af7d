using Herald.Storage;
using Herald.Storage.Sqlite;

namespace Herald.Calls;

/// <summary>Wiring of calls to delivery customers.</summary>
public static class CallServices
{
    public static IServiceCollection AddHeraldCalls(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection("Herald:Calls").Get<CallOptions>() ?? new CallOptions();
        options.Validate();
        services.AddSingleton(options);
        services.AddSingleton<ICallStore>(sp => sp.GetRequiredService<SqliteStore>());
        services.AddSingleton<TwilioVoiceClient>();
        services.AddSingleton<CallService>();
        return services;
    }
}
