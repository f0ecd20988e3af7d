using Herald.Domain;
using Herald.Hosting;
using Herald.Simulation;
using Herald.Storage;
using Herald.Storage.Sqlite;
using Spectre.Console;
using Herald.Engine;
using Herald.Tenancy;

namespace Herald.Cli;

/// <summary>
/// <c>herald simulate --direct</c>: the simulator's traffic through the same writer the server uses, straight
/// into the store (to fill a store for a demo or a benchmark fast). The server must not run on that store.
/// </summary>
public static class DirectSimulation
{
    public static async Task<int> RunAsync(TrafficGenerator generator, long total, int batchSize, double rate, CancellationToken ct)
    {
        var options = HeraldConfiguration.Options(HeraldConfiguration.Load());
        using var dataLock = DataDirectoryLock.Acquire(options.DataDir);
        using var store = new SqliteStore(options.DatabasePath);
        store.MigrateUp();
        var registry = new DimensionRegistry();
        registry.Load(store);
        var recipients = store.UseRecipientMode(options.Privacy.HashedRecipients, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var writer = new BatchWriter(store, registry, new PendingRollups(), TimeProvider.System, recipients: recipients);
        writer.Recover();
        var teams = new TeamDirectory(store, TimeProvider.System);
        var teamIds = generator.TeamNames.ToDictionary(n => n, n => teams.GetOrCreate(n).Id);
        long accepted = 0, duplicates = 0, rejected = 0;
        SimulationProgress last = default;
        await SimulateCommand.WithProgressBar(total, async progress =>
        {
            var runner = new SimulationRunner(generator, (batch, _) =>
            {
                var byTeam = new Dictionary<string, List<IncomingEvent>>();
                foreach (var e in batch)
                    (byTeam.TryGetValue(e.TeamName, out var l) ? l : byTeam[e.TeamName] = []).Add(e.Event);
                var batches = byTeam.Select(kv => new IngestBatch(teamIds[kv.Key], kv.Value.ToArray())).ToList();
                writer.Write(batches);
                foreach (var b in batches)
                {
                    foreach (var o in b.Outcomes)
                    {
                        if (o.Kind == EventOutcomeKind.Accepted) accepted++;
                        else if (o.Kind == EventOutcomeKind.Duplicate) duplicates++;
                        else rejected++;
                    }
                }
                return Task.CompletedTask;
            }, total, batchSize, rate, progress);
            last = await runner.RunAsync(ct);
            writer.Flush();
        });
        AnsiConsole.MarkupLineInterpolated($"wrote {last.Sent:N0} events in {last.Elapsed.TotalSeconds:F1} s ({last.EventsPerSecond:N0}/s) into {store.Path}: {accepted:N0} accepted, {duplicates:N0} duplicates, {rejected:N0} rejected");
        return 0;
    }
}
