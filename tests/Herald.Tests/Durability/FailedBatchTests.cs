using Herald.Domain;
using Herald.Storage;
using Herald.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Herald.Engine;

namespace Herald.Tests.Durability;

/// <summary>
/// A write batch that fails half-way (its transaction rolls back after the writer's memory took some of its events) must
/// leave the store as if the batch never came: the writer rebuilds from what is stored and goes on. Checked against a
/// second store that only ever received the batches that succeeded, on a random stream with new items, updates of
/// items still unflushed, failures, keywords and duplicates.
/// </summary>
public sealed class FailedBatchTests
{
    [Theory]
    [InlineData(3)]
    [InlineData(19)]
    public void A_batch_that_fails_midway_leaves_the_store_as_if_it_never_came(int seed)
    {
        string dirA = TempDir(), dirB = TempDir();
        try
        {
            var batches = Stream(seed);
            var failing = new HashSet<int> { 2, 5, 6, 10 };
            using var storeA = new SqliteStore(Path.Combine(dirA, "herald.db"));
            using var storeB = new SqliteStore(Path.Combine(dirB, "herald.db"));
            int teamA = Setup(storeA), teamB = Setup(storeB);
            var writerA = Writer(new FaultyStore(storeA));
            var writerB = Writer(storeB);
            for (int b = 0; b < batches.Count; b++)
            {
                if (failing.Contains(b))
                {
                    // The batch fails at a poisoned event in its middle; the client retries it without that event.
                    var poisoned = batches[b].Take(25).Append(new IncomingEvent { ItemId = FaultyStore.Poison, Status = Status.Sent, OccurredAtMs = T0 })
                        .Concat(batches[b].Skip(25)).ToArray();
                    Assert.ThrowsAny<Exception>(() => writerA.Write([new IngestBatch(teamA, poisoned)]));
                }
                writerA.Write([new IngestBatch(teamA, batches[b])]);
                writerB.Write([new IngestBatch(teamB, batches[b])]);
            }
            writerA.Flush();
            writerB.Flush();

            foreach (var query in StoreContents)
                Assert.Equal(Rows(dirB, query, teamB), Rows(dirA, query, teamA));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dirA, true);
            Directory.Delete(dirB, true);
        }
    }

    [Fact]
    public void A_rebuild_that_fails_is_retried_until_it_holds_and_the_writer_goes_on_as_if_the_batch_never_came()
    {
        string dirA = TempDir(), dirB = TempDir();
        try
        {
            var batches = Stream(7);
            using var storeA = new SqliteStore(Path.Combine(dirA, "herald.db"));
            using var storeB = new SqliteStore(Path.Combine(dirB, "herald.db"));
            int teamA = Setup(storeA), teamB = Setup(storeB);
            var faulty = new FaultyStore(storeA);
            var writerA = Writer(faulty);
            var writerB = Writer(storeB);
            for (int b = 0; b < batches.Count; b++)
            {
                if (b is 3 or 8)
                {
                    // The batch fails, and so do the first two rebuilds after it (as when memory runs out): the third holds.
                    faulty.FailingCheckpointReads = 2;
                    long failedBefore = writerA.FailedRebuilds;
                    var poisoned = batches[b].Prepend(new IncomingEvent { ItemId = FaultyStore.Poison, Status = Status.Sent, OccurredAtMs = T0 }).ToArray();
                    var thrown = Assert.ThrowsAny<Exception>(() => writerA.Write([new IngestBatch(teamA, poisoned)]));
                    Assert.Equal("injected failure", thrown.Message);
                    Assert.Equal(failedBefore + 2, writerA.FailedRebuilds);
                    Assert.Equal(0, faulty.FailingCheckpointReads);
                }
                writerA.Write([new IngestBatch(teamA, batches[b])]);
                writerB.Write([new IngestBatch(teamB, batches[b])]);
            }
            Assert.Equal(writerB.EventsWritten, writerA.EventsWritten);
            writerA.Flush();
            writerB.Flush();
            foreach (var query in StoreContents)
                Assert.Equal(Rows(dirB, query, teamB), Rows(dirA, query, teamA));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dirA, true);
            Directory.Delete(dirB, true);
        }
    }

    [Fact]
    public void A_flush_that_fails_after_its_batch_committed_fails_nothing_and_the_next_flush_writes_it()
    {
        string dirA = TempDir(), dirB = TempDir();
        try
        {
            var batches = Stream(11);
            using var storeA = new SqliteStore(Path.Combine(dirA, "herald.db"));
            using var storeB = new SqliteStore(Path.Combine(dirB, "herald.db"));
            int teamA = Setup(storeA), teamB = Setup(storeB);
            var faulty = new FaultyStore(storeA);
            // A flush after every batch: the failing one runs right after a commit, inside the same Write.
            var writerA = Writer(faulty, TimeSpan.Zero);
            var writerB = Writer(storeB, TimeSpan.Zero);
            for (int b = 0; b < batches.Count; b++)
            {
                if (b is 2 or 7) faulty.FailingFlushes = 1;
                var batch = new IngestBatch(teamA, batches[b]);
                long before = writerA.EventsWritten;
                writerA.Write([batch]);
                Assert.Equal(0, faulty.FailingFlushes);
                // The batch was committed, so it is answered: its accepted events are counted.
                Assert.Equal(batch.Outcomes.Count(o => o.Kind == EventOutcomeKind.Accepted), writerA.EventsWritten - before);
                writerB.Write([new IngestBatch(teamB, batches[b])]);
            }
            Assert.Equal(writerB.EventsWritten, writerA.EventsWritten);
            foreach (var query in StoreContents)
                Assert.Equal(Rows(dirB, query, teamB), Rows(dirA, query, teamA));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dirA, true);
            Directory.Delete(dirB, true);
        }
    }

    private static readonly long T0 = new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    /// <summary>A random stream of batches: new items, updates of items still unflushed, failures, keywords and duplicates.</summary>
    private static List<IncomingEvent[]> Stream(int seed)
    {
        var rng = new Random(seed);
        long t0 = T0;
        string[] providers = ["twilio", "vonage", "smpp"];
        string[] texts = ["STOP", "START", "HELP", "hello"];
        Status[] statuses = [Status.Queued, Status.Sent, Status.Delivered, Status.Failed, Status.Undelivered];
        var batches = new List<IncomingEvent[]>();
        for (int b = 0; b < 12; b++)
        {
            var batch = new List<IncomingEvent>();
            for (int i = 0; i < 40; i++)
            {
                // Items come back across batches, so a failed batch touches items the writer holds unflushed.
                int item = rng.Next(0, 30 + b * 10);
                long ms = t0 + rng.Next(0, 3 * 1440) * 60_000L + rng.Next(60_000);
                bool inbound = rng.NextDouble() < 0.15;
                var status = inbound ? Status.Delivered : statuses[rng.Next(statuses.Length)];
                batch.Add(new IncomingEvent
                {
                ItemId = inbound ? $"in-{b}-{i}" : $"m-{item}",
                Kind = ItemKind.Message,
                Status = status,
                OccurredAtMs = ms,
                Provider = inbound ? null : providers[item % providers.Length],
                Country = rng.NextDouble() < 0.5 ? "DE" : null, // filled in later by some events: a dimension change
                Direction = inbound ? "inbound" : "outbound",
                Recipient = $"+4915100{item % 12:000}",
                Text = inbound ? texts[rng.Next(texts.Length)] : null,
                ErrorCode = status is Status.Failed or Status.Undelivered && rng.NextDouble() < 0.7 ? $"E{rng.Next(3)}" : null,
                EventId = rng.NextDouble() < 0.1 && b > 0 ? $"dup-{rng.Next(20)}" : null,
                });
            }
            batches.Add([.. batch]);
        }

        return batches;
    }

    // What the store holds, independent of row ids: items, raw events, team-total cells, failure cells, consent rows.
    private static readonly string[] StoreContents =
    [
        "SELECT item_id, kind, status, status_at, earliest_at, first_sent_at, first_success_at, recipient, event_count FROM items WHERE team_id = $team ORDER BY item_id",
        // Synthetic dedupe keys name the item's row id, which the failed batches' new items used up in one store only.
        "SELECT i.item_id, CASE WHEN e.dedupe_key LIKE char(31) || '%' THEN '' ELSE e.dedupe_key END, e.status, e.occurred_at, e.error_code FROM events e JOIN items i ON i.id = e.item_ref WHERE e.team_id = $team ORDER BY 1, 2, 3, 4",
        "SELECT granularity, bucket, hex(data) FROM rollups WHERE team_id = -$team ORDER BY 1, 2",
        "SELECT granularity, bucket, error_code, SUM(failures) FROM failure_cells WHERE team_id = $team GROUP BY 1, 2, 3 HAVING SUM(failures) <> 0 ORDER BY 1, 2, 3",
        "SELECT recipient, occurred_at, state, keyword FROM consent_changes WHERE team_id = $team ORDER BY 1, 2, 3",
    ];

    private static List<string> Rows(string dir, string sql, int team)
    {
        using var c = new SqliteConnection($"Data Source={Path.Combine(dir, "herald.db")};Mode=ReadOnly");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.Parameters.AddWithValue("$team", team);
        using var r = cmd.ExecuteReader();
        var rows = new List<string>();
        while (r.Read())
        {
            var values = new object[r.FieldCount];
            r.GetValues(values);
            rows.Add(string.Join('|', values));
        }
        Assert.NotEmpty(rows);
        return rows;
    }

    private static int Setup(SqliteStore store)
    {
        store.MigrateUp();
        return store.CreateTeam("fb", "tm_fb", "wh_fb", 0).Id;
    }

    /// <param name="flushInterval">By default no flush until the end (or a recovery): the failed batches meet items the writer holds unflushed.</param>
    private static BatchWriter Writer(IEngineStore store, TimeSpan? flushInterval = null)
    {
        var registry = new DimensionRegistry();
        registry.Load(store);
        return new BatchWriter(store, registry, new PendingRollups(), TimeProvider.System, new WriterOptions { FlushInterval = flushInterval ?? TimeSpan.FromHours(1) });
    }

    private static string TempDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), "herald-failed-batch-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>
    /// The real store, whose write sessions fail on the event of one poisoned item id (after the events before it); and, when
    /// told, the next checkpoint reads (the start of a rebuild) or flushes (their first merged cell).
    /// </summary>
    private sealed class FaultyStore(SqliteStore inner) : IEngineStore
    {
        public const string Poison = "poison";
        public int FailingCheckpointReads { get; set; }
        public int FailingFlushes { get; set; }
        public void ForEachItemKey(Action<int, string> visit) => inner.ForEachItemKey(visit);
        public IWriteSession BeginWrite() => new FaultySession(inner.BeginWrite(), this);
        public IReadOnlyList<(int Id, DimensionTuple Tuple)> LoadDimensionSets() => inner.LoadDimensionSets();

        public long ReadCheckpoint()
        {
            if (FailingCheckpointReads > 0)
            {
                FailingCheckpointReads--;
#pragma warning disable CA2201 // the failure under test is the runtime's own
                throw new OutOfMemoryException("injected: no memory for the rebuild");
#pragma warning restore CA2201
            }
            return inner.ReadCheckpoint();
        }

        public void ForEachEventAfter(long eventId, Action<StoredEvent> visit) => inner.ForEachEventAfter(eventId, visit);
    }

    private sealed class FaultySession(IWriteSession inner, FaultyStore store) : IWriteSession
    {
        public long AllocateItemId() => inner.AllocateItemId();
        public ItemState? LoadItem(int teamId, string itemId) => inner.LoadItem(teamId, itemId);
        public ItemState? LoadItem(long id) => inner.LoadItem(id);
        public bool AppendEvent(int teamId, long itemRef, string dedupeKey, int eventDimensionSetId, long receivedAtMs, IncomingEvent e, string? newItemId) =>
            e.ItemId == FaultyStore.Poison
                ? throw new InvalidOperationException("injected failure")
                : inner.AppendEvent(teamId, itemRef, dedupeKey, eventDimensionSetId, receivedAtMs, e, newItemId);
        public void RecordConsent(int teamId, string recipient, long occurredAtMs, int state, string keyword) => inner.RecordConsent(teamId, recipient, occurredAtMs, state, keyword);
        public void SetCheckpoint(long eventId) => inner.SetCheckpoint(eventId);
        public long MaxEventId() => inner.MaxEventId();
        public void SaveItem(ItemState item) => inner.SaveItem(item);
        public void MergeCell(CellKey key, byte[] delta)
        {
            if (store.FailingFlushes > 0)
            {
                store.FailingFlushes--;
                throw new InvalidOperationException("injected flush failure");
            }
            inner.MergeCell(key, delta);
        }
        public void MergeFailureCell(FailureCellKey key, long failures) => inner.MergeFailureCell(key, failures);
        public void LoadFailureCandidatesOfItem(long itemRef, long upToEventId, List<FailureCandidate> into) => inner.LoadFailureCandidatesOfItem(itemRef, upToEventId, into);
        public int InsertDimensionSet(DimensionTuple tuple) => inner.InsertDimensionSet(tuple);
        public void EnsureAccount(int teamId, string account) => inner.EnsureAccount(teamId, account);
        public void Commit() => inner.Commit();
        public void Dispose() => inner.Dispose();
    }
}
