using Herald.Domain;
using Herald.Simulation;
using Herald.Engine;
using Herald.Tenancy;

namespace Herald.Hosting;

/// <summary>
/// <c>herald serve --demo</c>: simulated live traffic fed straight into the ingest queue (same pipeline
/// as HTTP), so a newcomer sees metrics move. Creates the simulator's teams on first start.
/// </summary>
public sealed class DemoTraffic(IngestQueue queue, TeamDirectory teams, HeraldOptions options, TimeProvider time, ILogger<DemoTraffic> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var generator = new TrafficGenerator(new SimulationProfile
        {
            Seed = Environment.TickCount,
            RealTime = true,
            LifecycleTimeScale = 0.1,
        }, time);
        var teamIds = generator.TeamNames.ToDictionary(n => n, n => teams.GetOrCreate(n).Id);
        logger.LogInformation("demo traffic: {Rate} events/s into teams {Teams}", options.DemoRate, string.Join(", ", teamIds.Keys));
        var runner = new SimulationRunner(generator, async (batch, ct) =>
        {
            var byTeam = new Dictionary<string, List<IncomingEvent>>();
            foreach (var e in batch)
                (byTeam.TryGetValue(e.TeamName, out var l) ? l : byTeam[e.TeamName] = []).Add(e.Event);
            foreach (var (team, events) in byTeam)
            {
                var done = queue.TryEnqueue(new IngestBatch(teamIds[team], events.ToArray()));
                if (done is not null) await done;
            }
        }, totalEvents: null, batchSize: 200, eventsPerSecond: options.DemoRate);
        try
        {
            await runner.RunAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
