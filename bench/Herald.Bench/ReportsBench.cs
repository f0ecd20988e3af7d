using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using Herald.Domain;
using Herald.Engine;
using Herald.Reports;
using Herald.Reports.Writers;
using Herald.Storage.Sqlite;
using Herald.Tenancy;
using Microsoft.Data.Sqlite;

namespace Herald.Bench;

/// <summary>
/// Report generation (seed 004: a 100 K-record report in under 5 s; a 1 M-row CSV under 3 s, the Excel file under 15 s;
/// memory flat because rows stream). Two parts:
/// <list type="number">
/// <item>The writers over a report whose detail is N message rows (id, time, channel, provider, country, status, cost,
/// latency, attempts) produced one at a time and never held, for N = 100 K and 1 M, each format into a file; time, CPU time,
/// size and the peak managed heap while writing. Baselines side by side: the floor (the same rows as plain comma-joined
/// text, no quoting or typing), and for Excel two other ways to write them (the sheet's DOM in the SDK's package; the rows
/// as SDK elements streamed through the SDK's writer).</item>
/// <item>End to end over HTTP: a store of 100 K message items (about 230 K events) filled through the engine, a
/// `herald serve` child, and each format of the message report over those items timed from the POST to <c>completed</c>,
/// with its figures only and with a row per message (<c>detail=items</c>).</item>
/// </list>
/// </summary>
public static class ReportsBench
{
    private static readonly DateTime Start = new(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly string[] Channels = ["sms", "whatsapp", "email"];
    private static readonly string[] Providers = ["twilio", "vonage", "meta", "sendgrid"];
    private static readonly string[] Countries = ["GB", "US", "DE", "NG", "IN"];
    private static readonly string[] Outcomes = ["delivered", "delivered", "delivered", "read", "failed", "sent"];

    public static async Task RunAsync(BenchOptions o, Report report)
    {
        string dir = Path.Combine(o.Dir, "reports");
        if (Directory.Exists(dir)) Directory.Delete(dir, true);
        Directory.CreateDirectory(dir);

        // Warm-up: every writer once on a small table, so no measurement below pays for JIT compilation.
        Measure(dir, "warm-floor", 5_000, WriteFloor);
        foreach (var (format, write) in Writers(5_000)) Measure(dir, "warm-" + format, 5_000, write);
        Measure(dir, "warm-elements", 5_000, WriteSdkElementsXlsx);
        Measure(dir, "warm-dom", 5_000, WriteDomXlsx);

        foreach (int rows in new[] { 100_000, 1_000_000 })
        {
            var floor = Measure(dir, "floor", rows, WriteFloor);
            report.Add($"baseline: {rows:N0} rows as plain joined text", Describe(floor), "no quoting, no types: the floor");
            foreach (var (format, write) in Writers(rows))
            {
                var m = Measure(dir, format, rows, write);
                report.Add($"{format}, {rows:N0} rows", Describe(m), $"{Ratio(m, floor)} the floor; {Target(format, rows)}");
            }
            var elements = Measure(dir, "xlsx-sdk-elements", rows, WriteSdkElementsXlsx);
            report.Add($"baseline: Excel rows as SDK elements through OpenXmlWriter, {rows:N0} rows", Describe(elements), $"{Ratio(elements, floor)} the floor");
            if (rows <= 100_000) // a million rows in the DOM would hold gigabytes
            {
                var dom = Measure(dir, "xlsx-dom", rows, WriteDomXlsx);
                report.Add($"baseline: Excel with the rows in the sheet's DOM in the SDK's package, {rows:N0} rows", Describe(dom), $"{Ratio(dom, floor)} the floor");
            }
        }

        await EndToEndAsync(o, dir, report);
    }

    /// <summary>Wall time and CPU time against the baseline's (the machine is shared: CPU time is the steadier of the two).</summary>
    private static string Ratio(Measured m, Measured baseline) =>
        $"{m.Seconds / baseline.Seconds:F1}x ({m.CpuSeconds / baseline.CpuSeconds:F1}x CPU)";

    private static IEnumerable<(string Format, Action<ReportDocument, Stream> Write)> Writers(int rows)
    {
        yield return ("csv", (doc, output) => CsvReportWriter.Write(doc, output, "message_report")); // a zip: the sections, and the rows' CSV
        yield return ("json", JsonReportWriter.Write);
        yield return ("excel", XlsxReportWriter.Write);
        yield return ("pdf", PdfReportWriter.Write); // lists the detail's first rows only
    }

    private static string Target(string format, int rows) => (format, rows) switch
    {
        (_, 100_000) => "target < 5 s",
        ("csv", _) => "target < 3 s",
        ("excel", _) => "target < 15 s",
        _ => "no target",
    };

    private sealed record Measured(double Seconds, double CpuSeconds, long Bytes, long PeakHeapBytes);

    private static string Describe(Measured m) =>
        $"{m.Seconds:F2} s ({m.CpuSeconds:F2} s CPU), {m.Bytes / 1e6:F1} MB, peak heap {m.PeakHeapBytes / 1e6:F0} MB";

    /// <summary>Writes a fresh document of <paramref name="rows"/> streamed rows to a file, sampling the managed heap meanwhile.</summary>
    private static Measured Measure(string dir, string name, int rows, Action<ReportDocument, Stream> write)
    {
        string path = Path.Combine(dir, $"{name}-{rows}.out");
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long baseHeap = GC.GetTotalMemory(false), peak = baseHeap;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        using var done = new ManualResetEventSlim();
        var sampler = new Thread(() =>
        {
            while (!done.Wait(5)) peak = Math.Max(peak, GC.GetTotalMemory(false));
        }) { IsBackground = true };
        sampler.Start();
        var clock = Stopwatch.StartNew();
        try
        {
            using var file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 64 * 1024);
            write(Document(rows), file);
        }
        finally
        {
            clock.Stop();
            done.Set();
            sampler.Join();
        }
        double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        long bytes = new FileInfo(path).Length;
        File.Delete(path);
        return new Measured(clock.Elapsed.TotalSeconds, cpuSeconds, bytes, peak - baseHeap);
    }

    private static readonly ReportColumn[] MessageColumns =
    [
        new("item_id", "Item", ColumnKind.Text),
        new("sent_at", "Sent (UTC)", ColumnKind.Timestamp),
        new("channel", "Channel", ColumnKind.Text),
        new("provider", "Provider", ColumnKind.Text),
        new("country", "Country", ColumnKind.Text),
        new("status", "Status", ColumnKind.Text),
        new("cost", "Cost", ColumnKind.Money),
        new("latency_seconds", "Latency (s)", ColumnKind.Seconds),
        new("attempts", "Attempts", ColumnKind.Integer),
    ];

    /// <summary>
    /// A message report whose <paramref name="count"/> message rows are its detail (read as the file is written, as the
    /// message report's messages are), beside a 30-day daily table for the chart.
    /// </summary>
    private static ReportDocument Document(int count)
    {
        var daily = Enumerable.Range(0, 30).Select(d => new object?[] { DateOnly.FromDateTime(Start.AddDays(d)), (long)count / 30, (long)count / 40, (long)count / 300, 0L })
            .ToList();
        return new ReportDocument
        {
            Id = "MSG_BENCH", Type = ReportTypes.Messages, Title = "Message delivery report", Team = "bench", StartDate = DateOnly.FromDateTime(Start),
            EndDate = DateOnly.FromDateTime(Start.AddDays(29)), GeneratedAt = DateTimeOffset.UtcNow,
            Parameters = new Dictionary<string, string> { ["format"] = "bench" },
            Summary = [new("total_messages", "Total messages", (long)count, ColumnKind.Integer), new("delivery_rate", "Delivery rate %", 83.3, ColumnKind.Percent)],
            Tables =
            [
                new("daily", "Daily", [new("date", "Date", ColumnKind.Date), new("total", "Total", ColumnKind.Integer), new("delivered", "Delivered", ColumnKind.Integer),
                    new("failed", "Failed", ColumnKind.Integer), new("pending", "Pending", ColumnKind.Integer)], daily),
            ],
            Detail = new ReportDetail("messages", "Messages", MessageColumns, () => Rows(count), ["item_id", "sent_at", "status", "channel", "cost"],
                "the first rows only"),
        };
    }

    /// <summary>Every row of the document: its tables', then its detail's.</summary>
    private static IEnumerable<(string Name, string Title, IEnumerable<object?[]> Rows)> AllTables(ReportDocument doc)
    {
        foreach (var table in doc.Tables) yield return (table.Name, table.Title, table.Rows);
        if (doc.Detail is { } detail) yield return (detail.Name, detail.Title, detail.Rows());
    }

    private static IEnumerable<object?[]> Rows(int count)
    {
        var rnd = new Random(42);
        for (int i = 0; i < count; i++)
        {
            yield return
            [
                $"msg-{i:D7}", Start.AddSeconds(i * 2.5), Channels[rnd.Next(Channels.Length)], Providers[rnd.Next(Providers.Length)],
                Countries[rnd.Next(Countries.Length)], Outcomes[rnd.Next(Outcomes.Length)], Math.Round(rnd.NextDouble() * 0.05, 4),
                Math.Round(rnd.NextDouble() * 30, 3), (long)(1 + rnd.Next(3)),
            ];
        }
    }

    /// <summary>The floor: every table's rows as invariant text joined by commas, nothing else.</summary>
    private static void WriteFloor(ReportDocument doc, Stream output)
    {
        using var writer = new StreamWriter(output, new UTF8Encoding(false), 64 * 1024, leaveOpen: true);
        foreach (var (_, _, rows) in AllTables(doc))
            foreach (var row in rows)
                writer.WriteLine(string.Join(',', row.Select(Plain)));
    }

    /// <summary>
    /// The Excel writer before rows were streamed, for its rows: every row and cell an SDK element in the sheet's DOM, all
    /// held in the package until it is saved.
    /// </summary>
    private static void WriteDomXlsx(ReportDocument doc, Stream output)
    {
        using var package = SpreadsheetDocument.Create(output, SpreadsheetDocumentType.Workbook);
        var workbook = package.AddWorkbookPart();
        workbook.Workbook = new Workbook();
        var sheets = workbook.Workbook.AppendChild(new Sheets());
        uint id = 1;
        foreach (var (_, title, rows) in AllTables(doc))
        {
            var part = workbook.AddNewPart<WorksheetPart>();
            sheets.Append(new Sheet { Id = workbook.GetIdOfPart(part), SheetId = id++, Name = title });
            var data = new SheetData();
            foreach (var values in rows) data.AppendChild(SdkRow(values));
            part.Worksheet = new Worksheet(data);
        }
        workbook.Workbook.Save();
    }

    /// <summary>
    /// The same rows as SDK elements streamed through the SDK's <see cref="OpenXmlWriter"/> into a plain zip entry: the
    /// element-per-cell cost without the package holding anything.
    /// </summary>
    private static void WriteSdkElementsXlsx(ReportDocument doc, Stream output)
    {
        using var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        foreach (var (name, _, rows) in AllTables(doc))
        {
            using var entry = zip.CreateEntry($"xl/worksheets/{name}.xml", CompressionLevel.Fastest).Open();
            using var writer = OpenXmlWriter.Create(entry);
            writer.WriteStartElement(new Worksheet());
            writer.WriteStartElement(new SheetData());
            foreach (var values in rows) writer.WriteElement(SdkRow(values));
            writer.WriteEndElement();
            writer.WriteEndElement();
        }
    }

    private static Row SdkRow(object?[] values)
    {
        var row = new Row();
        foreach (var value in values)
            row.Append(value is long or int or double
                ? new Cell(new CellValue(Convert.ToDouble(value, CultureInfo.InvariantCulture))) { DataType = CellValues.Number }
                : new Cell(new InlineString(new Text(Plain(value)))) { DataType = CellValues.InlineString });
        return row;
    }

    /// <summary>A value as invariant text, nothing more.</summary>
    private static string Plain(object? value) => value is IFormattable f ? f.ToString(null, CultureInfo.InvariantCulture) : value?.ToString() ?? "";

    private const int EndToEndItems = 100_000;

    private static async Task EndToEndAsync(BenchOptions o, string dir, Report report)
    {
        string dataDir = Path.Combine(dir, "server");
        Directory.CreateDirectory(dataDir);
        long events = Fill(Path.Combine(dataDir, "herald.db"));
        report.Add("report store", $"{EndToEndItems:N0} message items, {events:N0} events", "team acme, 30 days from 2026-11-01");

        await using var server = await HeraldChild.StartAsync(dataDir);
        using var http = server.Client();
        string range = $"team=acme&start_date={Start:yyyy-MM-dd}&end_date={Start.AddDays(29):yyyy-MM-dd}";
        var floor = Stopwatch.StartNew();
        (await http.GetAsync($"/api/v1/metrics/summary?team=acme&from={Start:yyyy-MM-dd'T'HH:mm:ss'Z'}&to={Start.AddDays(30):yyyy-MM-dd'T'HH:mm:ss'Z'}"))
            .EnsureSuccessStatusCode();
        double summarySeconds = floor.Elapsed.TotalSeconds;
        report.Add("baseline: GET /api/v1/metrics/summary over the 30 days", $"{summarySeconds * 1000:F0} ms", "the totals the report starts from");
        foreach (var detail in new[] { "", "&detail=items" })
            foreach (var format in new[] { "csv", "json", "excel", "pdf" })
            {
                var clock = Stopwatch.StartNew();
                var (id, size) = await GenerateAsync(http, $"/api/v1/analytics/reports/messages?{range}&format={format}{detail}");
                clock.Stop();
                report.Add($"message report over {EndToEndItems:N0} items{(detail.Length > 0 ? " with a row each" : "")}, {format}", $"{clock.Elapsed.TotalSeconds:F2} s",
                    $"{id}, {size / 1e3:F0} kB, POST to completed over HTTP; target < 5 s");
            }
    }

    /// <summary>POSTs a report and polls its status until it completes; answers its id and file size.</summary>
    private static async Task<(string Id, long Size)> GenerateAsync(HttpClient http, string path)
    {
        var response = await http.PostAsync(path, null);
        var data = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["data"]!;
        while (data["status"]!.GetValue<string>() == "running")
        {
            await Task.Delay(20);
            data = JsonNode.Parse(await http.GetStringAsync(data["status_url"]!.GetValue<string>()))!["data"]!;
        }
        if (data["status"]!.GetValue<string>() != "completed") throw new InvalidOperationException($"{path}: {data.ToJsonString()}");
        return (data["report_id"]!.GetValue<string>(), data["size_bytes"]!.GetValue<long>());
    }

    /// <summary>100 K message items of team acme over 30 days (sent, then delivered, read or failed), written through the engine.</summary>
    private static long Fill(string db)
    {
        SqliteConnection.ClearAllPools();
        using var store = new SqliteStore(db);
        store.MigrateUp();
        var registry = new DimensionRegistry();
        registry.Load(store);
        var pending = new PendingRollups();
        var writer = new BatchWriter(store, registry, pending, TimeProvider.System);
        int team = new TeamDirectory(store, TimeProvider.System).Create("acme").Id;
        var rnd = new Random(11);
        long events = 0;
        var list = new List<IncomingEvent>();
        for (int i = 0; i < EndToEndItems; i++)
        {
            long at = new DateTimeOffset(Start).ToUnixTimeMilliseconds() + (long)(rnd.NextDouble() * 30 * 86_400_000);
            string item = $"m{i}";
            list.Add(new IncomingEvent { ItemId = item, Kind = ItemKind.Message, Status = Status.Sent, OccurredAtMs = at,
                Channel = Channels[rnd.Next(Channels.Length)], Provider = Providers[rnd.Next(Providers.Length)], Country = Countries[rnd.Next(Countries.Length)],
                Cost = 0.0075 });
            double r = rnd.NextDouble();
            if (r < 0.1) list.Add(new IncomingEvent { ItemId = item, Status = Status.Failed, OccurredAtMs = at + 3_000, ErrorCode = r < 0.05 ? "30003" : "30005" });
            else if (r < 0.95) list.Add(new IncomingEvent { ItemId = item, Status = Status.Delivered, OccurredAtMs = at + 1_000 + rnd.Next(20_000) });
            if (r is > 0.5 and < 0.8) list.Add(new IncomingEvent { ItemId = item, Status = Status.Read, OccurredAtMs = at + 120_000 });
            if (list.Count >= 5000)
            {
                events += list.Count;
                writer.Write([new IngestBatch(team, list.ToArray())]);
                list.Clear();
            }
        }
        events += list.Count;
        writer.Write([new IngestBatch(team, list.ToArray())]);
        writer.Flush();
        return events;
    }
}
