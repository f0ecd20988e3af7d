using Herald.Analytics;
using Herald.Analytics.Items;
using Herald.Domain;
using Herald.Engine;
using Herald.Storage;
using Herald.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Herald.Tests.Analytics;

/// <summary>
/// Item search against the engine in process: paging stays exact while the writer publishes and flushes under it, and
/// migration 24 gives stored items the error code the writer keeps.
/// </summary>
public sealed class ItemSearchEngineTests
{
    private static readonly long T0 = new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    /// <summary>
    /// A writer that flushes after every batch (each flush swaps overlay into store under the reader's feet) writes new
    /// items all over the window and later statuses of existing ones, while a reader pages through the window again and again:
    /// every pass yields each item that existed before it exactly once.
    /// </summary>
    [Fact]
    public async Task Paging_while_the_writer_flushes_after_every_batch_yields_each_earlier_item_once()
    {
        using var temp = new TempStore("isearch");
        var pending = new PendingRollups();
        var writer = new BatchWriter(temp.Store, temp.Registry, pending, TimeProvider.System, new WriterOptions { FlushInterval = TimeSpan.Zero });
        var search = new ItemSearch(temp.Store, pending, temp.Registry);
        var query = new ItemQuery([temp.TeamId], T0, T0 + 86_400_000, MetricFilter.None);
        var rng = new Random(9);
        int created = 0, written = 0;
        IncomingEvent NewItem() => new()
        {
            ItemId = $"i{created++}", Kind = ItemKind.Message, Status = Status.Sent, Provider = "twilio",
            OccurredAtMs = T0 + rng.Next(0, 1440) * 60_000L + rng.Next(60_000),
        };
        for (int b = 0; b < 20; b++) writer.Write([new IngestBatch(temp.TeamId, Enumerable.Range(0, 100).Select(_ => NewItem()).ToArray())]);
        written = created;

        var failures = new List<string>();
        int passes = 0;
        using var done = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            while (!done.IsCancellationRequested || passes < 3)
            {
                int existing = Volatile.Read(ref written); // items written (and published) before this pass starts
                var seen = new Dictionary<string, int>();
                ItemPosition? after = null;
                ItemPosition? last = null;
                do
                {
                    var page = search.Page(query, after, 37);
                    foreach (var item in page.Items)
                    {
                        seen[item.ItemId] = seen.GetValueOrDefault(item.ItemId) + 1;
                        if (last is { } l && ItemPosition.Of(item).CompareTo(l) >= 0) lock (failures) failures.Add($"pass {passes}: {item.ItemId} out of order");
                        last = ItemPosition.Of(item);
                    }
                    after = page.Next;
                } while (after is not null);
                foreach (var (id, n) in seen.Where(s => s.Value > 1)) lock (failures) failures.Add($"pass {passes}: {id} {n} times");
                for (int i = 0; i < existing; i++)
                    if (!seen.ContainsKey($"i{i}")) lock (failures) failures.Add($"pass {passes}: i{i} missing");
                passes++;
            }
        });

        for (int b = 0; b < 300 && !reader.IsCompleted; b++)
        {
            var events = new List<IncomingEvent>();
            for (int k = 0; k < 20; k++)
            {
                events.Add(NewItem());
                int old = rng.Next(created - 1);
                events.Add(new IncomingEvent { ItemId = $"i{old}", Status = rng.Next(2) == 0 ? Status.Delivered : Status.Failed, ErrorCode = "30007",
                    OccurredAtMs = T0 + 86_400_000 - rng.Next(1, 60_000) });
            }
            writer.Write([new IngestBatch(temp.TeamId, events.ToArray())]);
            Volatile.Write(ref written, created);
        }
        done.Cancel();
        await Task.WhenAny(reader, Task.Delay(TimeSpan.FromMinutes(2)));
        Assert.True(reader.IsCompletedSuccessfully, reader.Exception?.ToString() ?? "the reader did not finish");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
        Assert.True(passes >= 3, $"{passes} passes");
        Assert.True(writer.Flushes >= 300, $"{writer.Flushes} flushes");
    }

    /// <summary>
    /// The writer keeps the code of the event that gave an item its status; migration 24, run on the same events, fills the
    /// same codes: a code on an earlier status is dropped, a later event of the same status without a code clears it.
    /// </summary>
    [Fact]
    public void Migration_24_fills_the_error_code_the_writer_keeps()
    {
        using var temp = new TempStore("ecode");
        var writer = new BatchWriter(temp.Store, temp.Registry, new PendingRollups(), TimeProvider.System);
        IncomingEvent E(string item, Status status, int minute, string? code) => new()
        {
            ItemId = item, Kind = ItemKind.Message, Status = status, OccurredAtMs = T0 + minute * 60_000L, ErrorCode = code,
        };
        var rng = new Random(4);
        var events = new List<IncomingEvent>
        {
            E("failed-coded", Status.Sent, 1, null), E("failed-coded", Status.Failed, 2, "30003"),
            E("recovered", Status.Failed, 1, "30007"), E("recovered", Status.Delivered, 3, null),
            E("late-failure", Status.Delivered, 5, null), E("late-failure", Status.Failed, 7, "30008"),
            E("cleared", Status.Undelivered, 1, "30005"), E("cleared", Status.Undelivered, 4, null),
            E("coded-sent", Status.Sent, 2, "21611"),
            E("out-of-order", Status.Failed, 9, "30006"), E("out-of-order", Status.Sent, 8, null),
        };
        string[] codes = ["30001", "30002", null!];
        for (int i = 0; i < 300; i++)
        {
            var statuses = new[] { Status.Sent, Status.Failed, Status.Undelivered, Status.Delivered };
            int n = 1 + rng.Next(4);
            for (int k = 0; k < n; k++)
                events.Add(E($"r{i}", statuses[rng.Next(statuses.Length)], rng.Next(1, 600), codes[rng.Next(codes.Length)]));
        }
        Shuffle(rng, events, from: 11);
        for (int i = 0; i < events.Count; i += 50) writer.Write([new IngestBatch(temp.TeamId, events.Skip(i).Take(50).ToArray())]);
        writer.Flush();

        var kept = ErrorCodes(temp.Store.Path);
        Assert.Equal("30003", kept["failed-coded"]);
        Assert.Null(kept["recovered"]);
        Assert.Null(kept["late-failure"]);        // delivered outranks failed
        Assert.Null(kept["cleared"]);             // the later undelivered, without a code, is the status event
        Assert.Equal("21611", kept["coded-sent"]);
        Assert.Equal("30006", kept["out-of-order"]);
        Assert.Contains(kept.Values, c => c == "30001");

        temp.Store.MigrateDown(23);
        temp.Store.MigrateUp();
        Assert.Equal(kept, ErrorCodes(temp.Store.Path));
    }

    private static Dictionary<string, string?> ErrorCodes(string path)
    {
        using var c = new SqliteConnection($"Data Source={path}");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT item_id, error_code FROM items";
        using var r = cmd.ExecuteReader();
        var codes = new Dictionary<string, string?>();
        while (r.Read()) codes[r.GetString(0)] = r.IsDBNull(1) ? null : r.GetString(1);
        return codes;
    }

    /// <summary>Shuffles the list from an index on (the named cases before it keep their order).</summary>
    private static void Shuffle<T>(Random rng, List<T> list, int from)
    {
        for (int i = list.Count - 1; i > from; i--)
        {
            int j = rng.Next(from, i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }
}
