using System.Buffers;
using System.Text;
using Herald.Analytics;
using Herald.Analytics.Items;
using Herald.Domain;
using Herald.Engine;
using Herald.Storage;
using Herald.Reports;
using Herald.Reports.Writers;
using Herald.Tenancy;
using Herald.Tests.Support;

namespace Herald.Tests.Reports;

/// <summary>
/// The export's CSV and NDJSON encoders, which write each row from the store's columns in place, against the cell writers
/// they replace (<see cref="CsvTableWriter"/> and <see cref="NdjsonTableWriter"/> over <see cref="ItemColumns.Values"/>):
/// the same search, byte for byte, over stored rows and the writer's unflushed ones, text that needs quoting, escaping or
/// defusing, instants with and without milliseconds, and latencies and costs of every shape.
/// </summary>
public sealed class ItemRowEncoderTests
{
    private static readonly long T0 = new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private const long DayMs = 86_400_000;

    private static readonly string?[] Texts =
    [
        null, "", "plain", "with,comma", "say \"hi\"", "\"", "two\nlines", "cr\rhere", "crlf\r\n", "=SUM(A1)", "=HYPERLINK(\"x\",\"y\")",
        "+447700900123", "-12.5", "+12.", "+.5", "-", "+", "+1.2.3", "-1+1", "@user", "\ttab", "\rcr", " lead", "trail ", "'quoted",
        "ünïcödé", "日本語", "emoji 😀", "<tag>&'`", "back\\slash", "slash/", "ctl\u0001x", "del\u007f", "nbsp\u00a0", "\u2028sep", "a;b|c",
    ];

    private static readonly double?[] Costs = [null, 0, 0.0075, 0.1, 0.2, 1e-7, 4.9e-7, 5e-7, 123456.1234567, 1e21, 1.5e15, 0.333333333, 2.5];

    private static readonly (ItemKind Kind, Status[] Statuses)[] Kinds = [.. ItemKinds.All.Select(k => (k, StatusLattice.StatusesOf(k).ToArray()))];

    [Theory]
    [InlineData(TableRowWriters.Csv)]
    [InlineData(TableRowWriters.Ndjson)]
    public void The_encoders_write_what_the_cell_writers_write(string format)
    {
        using var temp = new TempStore("encoders");
        int other = temp.Store.CreateTeam("other", "tm_other_encoders", "wh_other_encoders", 0).Id;
        var pending = new PendingRollups();
        var writer = new BatchWriter(temp.Store, temp.Registry, pending, TimeProvider.System, new WriterOptions { FlushInterval = TimeSpan.FromHours(1) });
        var rng = new Random(format.Length);
        var kinds = new Dictionary<string, (ItemKind Kind, Status[] Statuses)>();
        IncomingEvent Event(string id, (ItemKind Kind, Status[] Statuses) kind) => new()
        {
            ItemId = id, Kind = kind.Kind, Status = kind.Statuses[rng.Next(kind.Statuses.Length)],
            // An eighth of the events at one instant: items that tie on their earliest event, listed by ref.
            OccurredAtMs = rng.Next(8) == 0 ? T0 + 3_600_000 : T0 + rng.Next(0, 1440) * 60_000L + (rng.Next(3) == 0 ? rng.Next(60) * 1000 : rng.Next(60_000)),
            Account = Dimension(rng), Channel = Dimension(rng), Provider = Dimension(rng), Route = Dimension(rng), Campaign = Dimension(rng),
            Country = Dimension(rng), Direction = rng.Next(4) == 0 ? "inbound" : Dimension(rng), Agent = Dimension(rng), Template = Dimension(rng),
            Recipient = Pick(rng),
            ErrorCode = Pick(rng), Cost = Costs[rng.Next(Costs.Length)],
        };
        IngestBatch[] Batches(int from, int count)
        {
            var events = new Dictionary<int, List<IncomingEvent>>();
            for (int i = from; i < from + count; i++)
            {
                string id = rng.Next(5) == 0 ? Pick(rng) + "#" + i : "item-" + i;
                var kind = kinds[id] = Kinds[rng.Next(Kinds.Length)];
                int team = i % 3 == 0 ? other : temp.TeamId;
                var list = events.TryGetValue(team, out var l) ? l : events[team] = [];
                for (int e = rng.Next(1, 5); e > 0; e--) list.Add(Event(id, kind));
            }
            return [.. events.Select(e => new IngestBatch(e.Key, [.. e.Value]))];
        }
        writer.Write(Batches(0, 400));
        writer.Flush();
        writer.Write(Batches(400, 200));
        // Later events of stored items: their unflushed states supersede the stored rows.
        writer.Write([new IngestBatch(temp.TeamId, [.. kinds.Keys.Where(id => id.StartsWith("item-1", StringComparison.Ordinal)).Take(60).Select(id => Event(id, kinds[id]))])]);
        Assert.NotEmpty(pending.AllItems());

        var search = new ItemSearch(temp.Store, pending, temp.Registry);
        var rows = new ItemRows(temp.Registry, new TeamDirectory(temp.Store, TimeProvider.System));
        foreach (var teams in new[] { new[] { temp.TeamId }, [temp.TeamId, other] })
        {
            var query = new ItemQuery(teams, T0, T0 + DayMs, MetricFilter.None);
            // Newest first by earliest event then ref, ties included, and the same paged by 7 (pages that end inside a tie).
            List<ItemPosition> listed;
            using (var reading = search.Read(query)) listed = [.. reading.Select(ItemPosition.Of)];
            for (int i = 1; i < listed.Count; i++) Assert.True(listed[i] < listed[i - 1], $"{listed[i]} after {listed[i - 1]}");
            Assert.True(listed.Count - listed.Select(p => p.EarliestAtMs).Distinct().Count() > 20, "too few ties");
            var paged = new List<ItemPosition>();
            for (ItemPosition? after = null; ;)
            {
                var page = search.Page(query, after, 7);
                paged.AddRange(page.Items.Select(ItemPosition.Of));
                if ((after = page.Next) is null) break;
            }
            Assert.Equal(listed, paged);
            byte[] expected = CellWriter(format, search, rows, query);
            Assert.True(Encoding.UTF8.GetString(expected).Split('\n').Length > 300, "too few rows to compare");
            var encoded = Encoded(format, rows, search.OpenCursor(query));
            AssertSameBytes(expected, encoded, $"{teams.Length} team(s)");
        }

        // A team's export read in slices on two readers, the slices taken in order, says the same.
        var one = new ItemQuery([temp.TeamId], T0, T0 + DayMs, MetricFilter.None);
        using var sliced = search.ReadSliced(one, readers: 2, maxSliceRows: ItemSearch.SliceGranule);
        Assert.True(sliced.Count > 1, "one slice");
        var buffer = new ArrayBufferWriter<byte>();
        var encoder = ItemRowEncoder.For(format, rows)!;
        buffer.Write(encoder.Header());
        for (int slice = 0; slice < sliced.Count; slice++)
        {
            using var cursor = sliced.SliceCursor(slice, slice % sliced.Readers);
            while (cursor.Next()) encoder.Write(cursor.Current, buffer);
        }
        AssertSameBytes(CellWriter(format, search, rows, one), buffer.WrittenSpan.ToArray(), "slices");
    }

    private static string? Pick(Random rng) => Texts[rng.Next(Texts.Length)];

    /// <summary>A dimension's value: the parser never lets an empty one through (the store keeps it as none).</summary>
    private static string? Dimension(Random rng) => Pick(rng) is { Length: > 0 } value ? value : null;

    private static byte[] CellWriter(string format, ItemSearch search, ItemRows rows, ItemQuery query)
    {
        using var file = new MemoryStream();
        using (var writer = TableRowWriters.Open(format, file, ItemColumns.All, "Items"))
        {
            using var reading = search.Read(query);
            foreach (var item in reading) writer.Write(ItemColumns.Values(rows.Of(item)));
        }
        return file.ToArray();
    }

    private static byte[] Encoded(string format, ItemRows rows, ItemFieldCursor cursor)
    {
        using (cursor)
        {
            var encoder = ItemRowEncoder.For(format, rows)!;
            var buffer = new ArrayBufferWriter<byte>();
            buffer.Write(encoder.Header());
            while (cursor.Next()) encoder.Write(cursor.Current, buffer);
            return buffer.WrittenSpan.ToArray();
        }
    }

    /// <summary>Equal bytes; else the first line that differs, both ways.</summary>
    private static void AssertSameBytes(byte[] expected, byte[] actual, string what)
    {
        if (expected.AsSpan().SequenceEqual(actual)) return;
        int at = expected.AsSpan().CommonPrefixLength(actual);
        int start = expected.AsSpan(0, at).LastIndexOf((byte)'\n') + 1;
        static string Line(byte[] bytes, int start)
        {
            int end = bytes.AsSpan(start).IndexOf((byte)'\n');
            return Encoding.UTF8.GetString(bytes, start, end < 0 ? bytes.Length - start : end);
        }
        Assert.Fail($"{what}: the bytes differ at {at} of {expected.Length} (encoded {actual.Length}):\nwant {Line(expected, start)}\ngot  {Line(actual, start)}");
    }
}
