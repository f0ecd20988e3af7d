using Herald.Domain;
using Herald.Engine;
using Herald.Storage.Sqlite;
using Herald.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Tests.Engine;

/// <summary>The ingest queue's bound holds for every batch, the first one included, and the limits must fit together.</summary>
public sealed class IngestQueueLimitTests
{
    [Fact]
    public async Task A_batch_larger_than_the_whole_queue_is_never_taken_even_when_the_queue_is_empty()
    {
        string dir = Path.Combine(Path.GetTempPath(), "herald-queue-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            using var store = new SqliteStore(Path.Combine(dir, "herald.db"));
            store.MigrateUp();
            int team = store.CreateTeam("q", "tm_q", "wh_q", 0).Id;
            var registry = new DimensionRegistry();
            registry.Load(store);
            var writer = new BatchWriter(store, registry, new PendingRollups(), TimeProvider.System);
            await using var queue = new IngestQueue(writer, new IngestOptions { MaxQueuedEvents = 100, MaxEventsPerRequest = 100 }, NullLogger<IngestQueue>.Instance);
            IngestBatch Batch(int n, string prefix) => new(team, Enumerable.Range(0, n)
                .Select(i => new IncomingEvent { ItemId = $"{prefix}{i}", Status = Status.Sent, OccurredAtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() }).ToArray());

            var thrown = Assert.Throws<ArgumentException>(() => { _ = queue.TryEnqueue(Batch(101, "over-")); });
            Assert.Contains("MaxQueuedEvents 100", thrown.Message);
            Assert.Equal(0, queue.Depth);
            await queue.TryEnqueue(Batch(100, "max-"))!;
            Assert.Equal(100, queue.EventsWritten);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task Limits_that_cannot_work_together_stop_the_server_from_starting()
    {
        var tooMany = await Assert.ThrowsAnyAsync<InvalidOperationException>(() => HeraldServer.StartAsync(new() { ["Herald:Ingest:MaxEventsPerRequest"] = "60000" }));
        Assert.Contains("Herald:Ingest:MaxEventsPerRequest (60000) must be from 1 to Herald:Ingest:MaxQueuedEvents (50000)", tooMany.Message);
        var tooLarge = Assert.Throws<InvalidOperationException>(() => new IngestOptions { MaxBodyBytes = 64L << 20 }.Validate());
        Assert.Contains("Herald:Ingest:MaxBufferedBodyBytes", tooLarge.Message);
    }
}
