using Herald.Outbound;
using Herald.Senders;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Herald.Tests.Senders;

internal static class SenderTestKit
{
    /// <summary>
    /// The senders as the server wires them: AddHeraldSenders on a fresh container, with the operator's outbound allow-list
    /// (<c>Herald:Security:OutboundAllowList</c>; none: internal addresses are refused).
    /// </summary>
    public static SenderRegistry Registry(ILoggerProvider? logs = null, string? outboundAllowList = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton(OutboundPolicy.Parse(outboundAllowList));
        services.AddLogging(b =>
        {
            b.SetMinimumLevel(LogLevel.Information);
            if (logs is not null) b.AddProvider(logs);
        });
        services.AddHeraldSenders();
        return services.BuildServiceProvider().GetRequiredService<SenderRegistry>();
    }
}

/// <summary>Collects log lines in memory.</summary>
internal sealed class ListLoggerProvider : ILoggerProvider
{
    public List<(string Category, LogLevel Level, string Message)> Entries { get; } = [];

    public ILogger CreateLogger(string categoryName) => new ListLogger(this, categoryName);

    public void Dispose() { }

    private sealed class ListLogger(ListLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner.Entries) owner.Entries.Add((category, logLevel, formatter(state, exception)));
        }
    }
}
