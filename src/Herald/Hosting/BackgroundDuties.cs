using Herald.Api.Auth;
using Herald.Engine;

namespace Herald.Hosting;

/// <summary>Drains the ingest queue on shutdown, so every accepted request is written before the process exits.</summary>
public sealed class IngestQueueLifetime(IngestQueue queue, ILogger<IngestQueueLifetime> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        logger.LogInformation("draining the ingest queue ({Depth} events waiting)", queue.Depth);
        await queue.DisposeAsync();
    }
}

/// <summary>Writes API key usage (count, last used) to the store every few seconds and at shutdown.</summary>
public sealed class KeyUsageFlusher(ApiKeyService keys, ILogger<KeyUsageFlusher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) Flush();
        }
        catch (OperationCanceledException)
        {
        }
        Flush();
    }

    private void Flush()
    {
        try
        {
            keys.FlushUsage();
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "could not record API key usage");
        }
    }
}
