namespace Herald.Hosting;

/// <summary>Placeholder replaced when the simulator lands.</summary>
public sealed class DemoTraffic : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask;
}
