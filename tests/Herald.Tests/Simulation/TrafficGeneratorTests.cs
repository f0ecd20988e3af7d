using Herald.Domain;
using Herald.Simulation;
using Herald.Tests.Support;

namespace Herald.Tests.Simulation;

/// <summary>The simulator's traffic is valid, deterministic, and Herald takes all of it.</summary>
public sealed class TrafficGeneratorTests
{
    [Fact]
    public void The_same_seed_gives_the_same_traffic_and_every_status_fits_its_kind()
    {
        var profile = new SimulationProfile { Seed = 3 };
        var a = new TrafficGenerator(profile).Generate(20_000).ToList();
        var b = new TrafficGenerator(profile).Generate(20_000).ToList();
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].Event.ItemId, b[i].Event.ItemId);
            Assert.Equal(a[i].Event.Status, b[i].Event.Status);
            Assert.Equal(a[i].Event.OccurredAtMs, b[i].Event.OccurredAtMs);
        }
        var kinds = new Dictionary<(string, string), ItemKind>();
        foreach (var (team, e) in a)
        {
            if (e.Kind is { } k) kinds.TryAdd((team, e.ItemId), k);
            var kind = kinds.TryGetValue((team, e.ItemId), out var known) ? known : ItemKind.Message;
            Assert.True(StatusLattice.Allows(kind, e.Status), $"{e.ItemId}: {Statuses.Name(e.Status)} is not a {ItemKinds.Name(kind)} status");
        }
        // The messy parts Herald must survive are really there.
        Assert.Contains(a, s => s.Event.EventId is null);
        Assert.True(a.GroupBy(s => (s.TeamName, s.Event.EventId, s.Event.ItemId, s.Event.Status, s.Event.OccurredAtMs)).Any(g => g.Count() > 1), "no duplicates");
        Assert.Contains(a, s => s.Event.Provider is null && s.Event.Kind is null);
    }

    [Fact]
    public async Task Herald_accepts_all_simulated_traffic_and_counts_duplicates_once()
    {
        await using var server = await HeraldServer.StartAsync();
        var generator = new TrafficGenerator(new SimulationProfile { Seed = 4, StartTimeMs = DateTimeOffset.UtcNow.AddDays(-2).ToUnixTimeMilliseconds() });
        var keys = await Herald.Cli.SimulationTeams.EnsureKeysAsync(new HttpClient(), server.BaseAddress.ToString().TrimEnd('/'), HeraldServer.AdminKey, generator.TeamNames, default);
        // One request at a time: concurrent requests may reorder an item's events, which is a different test.
        await using var sender = new HttpEventSender(new HttpClient(), server.BaseAddress.ToString().TrimEnd('/'), keys, concurrency: 1);
        var events = generator.Generate(10_000).ToList();
        var runner = new SimulationRunner(generator, sender.SendAsync, totalEvents: 10_000, batchSize: 1_000);
        await runner.RunAsync();
        await sender.FlushAsync();
        var totals = sender.Totals;
        Assert.Equal(10_000, totals.Events);
        Assert.True(totals.Rejected == 0, string.Join(" | ", sender.RejectionSamples));
        Assert.Equal(10_000, totals.Accepted + totals.Duplicates);
        Assert.True(totals.Duplicates > 0);
        int distinctItems = events.Select(e => (e.TeamName, e.Event.ItemId)).Distinct().Count();
        var summary = await HeraldServer.ReadData(await server.Admin.GetAsync(
            $"/api/v1/metrics/summary?from={DateTimeOffset.UtcNow.AddDays(-3):yyyy-MM-dd'T'HH:mm:ss'Z'}&to={DateTimeOffset.UtcNow.AddMinutes(1):yyyy-MM-dd'T'HH:mm:ss'Z'}"));
        Assert.Equal(distinctItems, summary["total"]!.GetValue<long>());
        Assert.Equal(totals.Accepted, summary["events"]!.GetValue<long>());
    }
}
