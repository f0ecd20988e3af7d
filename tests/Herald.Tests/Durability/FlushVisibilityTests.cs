using Herald.Analytics;
using Herald.Domain;
using Herald.Tests.Support;
using Herald.Engine;

namespace Herald.Tests.Durability;

/// <summary>
/// A flush moves the writer's pending cells into the store while questions run: no question may count an item twice
/// (stored and still pending) or miss it (cleared from the overlay before the store shows it). A writer flushing after
/// every batch and readers asking all the time: each answer lies between the items published before the question and
/// those whose batch had started by its end.
/// </summary>
public sealed class FlushVisibilityTests
{
    [Fact]
    public void Questions_during_flushes_count_every_item_once()
    {
        using var temp = new TempStore("fv");
        var (store, teamId, registry) = (temp.Store, temp.TeamId, temp.Registry);
        var pending = new PendingRollups();
        var writer = new BatchWriter(store, registry, pending, TimeProvider.System, new WriterOptions { FlushInterval = TimeSpan.Zero });
        var metrics = new MetricsQuery(store, registry, pending);
        long t0 = new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var from = UtcMinute.FromUnixMillis(t0);
        var to = new UtcMinute(from.Value + 2 * 1440);
        var filter = new MetricFilter().Allow(Dimension.Provider, ["twilio"]);

        long started = 0, published = 0;
        const int Batches = 400, PerBatch = 40;
        var failures = new List<string>();
        using var done = new CancellationTokenSource();
        using var ready = new CountdownEvent(2);
        var readers = Enumerable.Range(0, 2).Select(r => Task.Run(() =>
        {
            long questions = 0;
            while (!done.IsCancellationRequested)
            {
                long low = Volatile.Read(ref published);
                long total = r == 0
                    ? metrics.Summary([teamId], MetricFilter.None, from, to).Total
                    : metrics.Breakdown([teamId], filter, Dimension.Provider, from, to, _ => "").Sum(row => row.Totals.Total);
                long high = Volatile.Read(ref started);
                if (total < low || total > high) lock (failures) failures.Add($"reader {r}: {total} items, expected {low}..{high}");
                if (questions++ == 0) ready.Signal();
            }
            return questions;
        })).ToArray();

        Assert.True(ready.Wait(TimeSpan.FromSeconds(30)), "the readers did not start");
        var rng = new Random(5);
        for (int b = 0; b < Batches; b++)
        {
            var events = new IncomingEvent[PerBatch];
            for (int i = 0; i < PerBatch; i++)
                events[i] = new IncomingEvent { ItemId = $"i{b}-{i}", Kind = ItemKind.Message, Status = Status.Sent, Provider = "twilio",
                    OccurredAtMs = t0 + rng.Next(0, 2 * 1440) * 60_000L + rng.Next(60_000) };
            Interlocked.Add(ref started, PerBatch);
            writer.Write([new IngestBatch(teamId, events)]); // flushes every time (interval zero)
            Interlocked.Add(ref published, PerBatch);
        }
        done.Cancel();
        long asked = readers.Sum(t => t.Result);

        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(5)));
        Assert.True(asked > 50, $"only {asked} questions ran beside the writer");
        Assert.True(writer.Flushes >= Batches, $"{writer.Flushes} flushes");
        Assert.Equal(Batches * PerBatch, metrics.Summary([teamId], MetricFilter.None, from, to).Total);
    }
}
