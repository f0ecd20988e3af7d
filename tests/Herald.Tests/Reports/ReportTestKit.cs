using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CsvHelper;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using Herald.Tests.Api;

namespace Herald.Tests.Reports;

/// <summary>
/// Posted traffic over the three UTC days before today, with a brute-force model of what a report over them must say:
/// items on the day of their earliest event at their final outcome, events on the day they occurred, cost by item.
/// </summary>
internal sealed class ReportTraffic
{
    public static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.UtcNow);
    public static readonly DateOnly First = Today.AddDays(-3);
    public static readonly DateOnly Last = Today.AddDays(-1);
    public static readonly string[] Channels = ["sms", "whatsapp", "email"];
    public static readonly string[] Providers = ["twilio", "vonage", "meta"];
    public static readonly string[] Countries = ["GB", "US", "DE"];

    public sealed record Ev(string EventId, string Item, string Status, DateTimeOffset At, double? Cost, string? ErrorCode);

    public sealed record Item(string Id, string Channel, string Provider, string Country, string Outcome, List<Ev> Events)
    {
        public DateTimeOffset Earliest => Events.Min(e => e.At);
        public double Cost => Events.Sum(e => e.Cost ?? 0);
    }

    public List<Item> Items { get; } = [];

    public ReportTraffic(int count = 60, string prefix = "m", string? campaign = null, string? account = null)
    {
        Campaign = campaign;
        Account = account;
        for (int i = 0; i < count; i++)
        {
            var day = First.AddDays(i % 3);
            var start = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            var t = start.AddMinutes(60 + (i * 53) % 1300);
            string outcome = (i % 5) switch { 0 or 1 or 2 => "delivered", 3 => "failed", _ => "pending" };
            if (i < 3) (t, outcome) = (start.AddHours(23).AddMinutes(59).AddSeconds(30), "delivered"); // delivered after midnight
            var id = $"{prefix}{i}";
            var events = new List<Ev> { new($"{id}-sent", id, "sent", t, 0.01 * (1 + i % 3), null) };
            if (outcome == "delivered") events.Add(new($"{id}-dlv", id, "delivered", t.AddSeconds(i < 3 ? 70 : 5 + i), null, null));
            if (outcome == "failed") events.Add(new($"{id}-fail", id, "failed", t.AddSeconds(30), null, i % 2 == 0 ? "30003" : "21211"));
            Items.Add(new Item(id, Channels[(i / 3) % 3], Providers[(i / 2) % 3], Countries[(i * 7) % 3], outcome, events));
        }
    }

    public string? Campaign { get; }
    public string? Account { get; }

    public IEnumerable<Ev> Events => Items.SelectMany(i => i.Events);

    public async Task PostAsync(HttpClient client, string query = "")
    {
        var body = Items.SelectMany(i => i.Events.Select((e, n) => (object)new Dictionary<string, object?>
        {
            ["event_id"] = e.EventId, ["item_id"] = e.Item, ["kind"] = "message", ["status"] = e.Status, ["occurred_at"] = Kit.Format(e.At),
            ["channel"] = n == 0 ? i.Channel : null, ["provider"] = n == 0 ? i.Provider : null, ["country"] = n == 0 ? i.Country : null,
            ["campaign"] = n == 0 ? Campaign : null, ["account"] = n == 0 ? Account : null, ["cost"] = e.Cost, ["error_code"] = e.ErrorCode,
        }.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value))).ToList();
        await Kit.Ingest(client, body, query);
        // The first event again: a duplicate, which must count once.
        await Kit.Ingest(client, new[] { body[0] }, query);
    }

    /// <summary>Expected daily row: total, delivered, failed, pending, events, cost.</summary>
    public (long Total, long Delivered, long Failed, long Pending, long Events, double Cost) Day(DateOnly day, Func<Item, bool>? where = null)
    {
        var items = Items.Where(i => (where ?? (_ => true))(i) && DateOnly.FromDateTime(i.Earliest.UtcDateTime) == day).ToList();
        long events = Items.Where(i => (where ?? (_ => true))(i)).SelectMany(i => i.Events).Count(e => DateOnly.FromDateTime(e.At.UtcDateTime) == day);
        return (items.Count, items.Count(i => i.Outcome == "delivered"), items.Count(i => i.Outcome == "failed"), items.Count(i => i.Outcome == "pending"),
            events, Math.Round(items.Sum(i => i.Cost), 6));
    }

    /// <summary>Totals over the report's days (items by earliest event in them; events in them).</summary>
    public (long Total, long Delivered, long Failed, long Pending, long Events, double Cost) Period(Func<Item, bool>? where = null)
    {
        long t = 0, d = 0, f = 0, p = 0, e = 0;
        double c = 0;
        for (var day = First; day <= Last; day = day.AddDays(1))
        {
            var r = Day(day, where);
            (t, d, f, p, e, c) = (t + r.Total, d + r.Delivered, f + r.Failed, p + r.Pending, e + r.Events, c + r.Cost);
        }
        return (t, d, f, p, e, Math.Round(c, 6));
    }

    public static double Rate(long part, long whole) => whole == 0 ? 0 : Math.Round(part * 100.0 / whole, 2);

    public static string Range => $"start_date={First:yyyy-MM-dd}&end_date={Last:yyyy-MM-dd}";
}

internal static class ReportKit
{
    /// <summary>
    /// POSTs a report and answers its <c>data</c> once completed: a 200, or a 202 (still running after the server's wait,
    /// as on a loaded machine) followed on its status URL, as a client does.
    /// </summary>
    public static async Task<JsonNode> Generate(HttpClient client, string path)
    {
        var response = await client.PostAsync(path, null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted, $"POST {path}: expected 200 or 202, got {(int)response.StatusCode}: {text}");
        var data = JsonNode.Parse(text)!["data"]!;
        for (var deadline = DateTime.UtcNow.AddMinutes(1); data["status"]!.GetValue<string>() == "running" && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(200);
            var status = await client.GetAsync(data["status_url"]!.GetValue<string>());
            data = JsonNode.Parse(await status.Content.ReadAsStringAsync())!["data"]!;
        }
        Assert.Equal("completed", data["status"]!.GetValue<string>());
        return data;
    }

    /// <summary>POSTs a report and answers its <c>data</c> once completed: a report still running after the POST's wait is polled.</summary>
    public static async Task<JsonNode> GenerateAndWait(HttpClient client, string path)
    {
        var response = await client.PostAsync(path, null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted, $"POST {path}: {(int)response.StatusCode}: {text}");
        var data = JsonNode.Parse(text)!["data"]!;
        for (int i = 0; i < 600 && data["status"]!.GetValue<string>() == "running"; i++)
        {
            await Task.Delay(100);
            data = JsonNode.Parse(await client.GetStringAsync(data["status_url"]!.GetValue<string>()))!["data"]!;
        }
        Assert.Equal("completed", data["status"]!.GetValue<string>());
        return data;
    }

    public static async Task<(byte[] Body, HttpResponseMessage Response)> Download(HttpClient client, JsonNode report)
    {
        var url = report["file_path"]!.GetValue<string>();
        Assert.Equal($"/api/v1/analytics/reports/{report["report_id"]!.GetValue<string>()}/download", url);
        var response = await client.GetAsync(url);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url}: {(int)response.StatusCode} {Encoding.UTF8.GetString(body)}");
        return (body, response);
    }

    /// <summary>The CSV's sections: name → rows (the first row is the header).</summary>
    public static Dictionary<string, List<string[]>> CsvSections(string text)
    {
        var sections = new Dictionary<string, List<string[]>>(StringComparer.Ordinal);
        using var reader = CsvReader.FromText(text, new CsvReaderOptions { HasHeader = false, SkipEmptyLines = true, FieldCountMismatch = CsvFieldCountHandling.Allow });
        string? current = null;
        while (reader.Read())
        {
            var fields = Enumerable.Range(0, reader.FieldCount).Select(reader.GetString).ToArray();
            if (fields.Length == 1 && fields[0].StartsWith("# ", StringComparison.Ordinal))
            {
                current = fields[0][2..];
                sections[current] = [];
                continue;
            }
            Assert.NotNull(current);
            sections[current!].Add(fields);
        }
        return sections;
    }

    /// <summary>A CSV section as one dictionary per row (column → text).</summary>
    public static List<Dictionary<string, string>> Rows(List<string[]> section) =>
        section.Skip(1).Select(r => section[0].Select((h, i) => (h, v: i < r.Length ? r[i] : "")).ToDictionary(p => p.h, p => p.v)).ToList();

    public static double Num(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    public sealed record XCell(string Text, double? Number, bool Bold);

    /// <summary>A sheet's cells by row: text (inline strings), number (numeric cells) and whether the font is bold.</summary>
    public static List<List<XCell>> XlsxCells(WorkbookPart workbook, string sheet)
    {
        var id = workbook.Workbook.Sheets!.Elements<Sheet>().First(s => s.Name == sheet).Id!;
        var part = (WorksheetPart)workbook.GetPartById(id!);
        var formats = workbook.WorkbookStylesPart!.Stylesheet.CellFormats!.Elements<CellFormat>().ToList();
        var fonts = workbook.WorkbookStylesPart.Stylesheet.Fonts!.Elements<Font>().ToList();
        return part.Worksheet.Descendants<Row>().Select(r => r.Elements<Cell>().Select(c =>
        {
            bool bold = c.StyleIndex is { } si && fonts[(int)(formats[(int)si.Value].FontId?.Value ?? 0)].Bold is not null;
            if (c.DataType?.Value == CellValues.InlineString) return new XCell(c.InlineString!.InnerText, null, bold);
            var text = c.CellValue?.Text ?? "";
            return new XCell(text, double.Parse(text, CultureInfo.InvariantCulture), bold);
        }).ToList()).ToList();
    }

    /// <summary>The text of a PDF, by poppler's pdftotext (Debian's poppler-utils; .ci/run installs it: without it this fails).</summary>
    public static string PdfText(byte[] pdf) => Poppler("pdftotext", pdf, "-layout", "-enc", "UTF-8", "{pdf}", "-");

    /// <summary>The fonts of a PDF by poppler's pdffonts: each font's name (without a subset's <c>ABCDEF+</c>) and whether it is embedded.</summary>
    public static List<(string Name, bool Embedded)> PdfFonts(byte[] pdf)
    {
        var lines = Poppler("pdffonts", pdf, "{pdf}").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        int nameWidth = lines[1].IndexOf(' '); // the rule under the header: one run of dashes per column
        return lines.Skip(2).Select(line =>
        {
            var name = line[..nameWidth].TrimEnd();
            var rest = line[nameWidth..].Split(' ', StringSplitOptions.RemoveEmptyEntries); // type, encoding, emb, sub, uni, object id
            return (name[(name.IndexOf('+') + 1)..], rest[^5] == "yes");
        }).ToList();
    }

    private static string Poppler(string tool, byte[] pdf, params string[] args)
    {
        var path = Path.Combine(Path.GetTempPath(), $"herald-report-{Guid.NewGuid():n}.pdf");
        File.WriteAllBytes(path, pdf);
        try
        {
            var psi = new ProcessStartInfo(tool, args.Select(a => a == "{pdf}" ? path : a))
            {
                RedirectStandardOutput = true, RedirectStandardError = true, StandardOutputEncoding = Encoding.UTF8,
            };
            using var p = Process.Start(psi) ?? throw new InvalidOperationException($"{tool} did not start (apt-get install poppler-utils)");
            var text = p.StandardOutput.ReadToEnd();
            var err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"{tool} failed ({p.ExitCode}): {err}");
            return text;
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The page objects of a PDF (each <c>/Type /Page</c> dictionary; the page tree is <c>/Type /Pages</c>).</summary>
    public static int PdfPages(byte[] pdf) =>
        System.Text.RegularExpressions.Regex.Count(Encoding.Latin1.GetString(pdf), @"/Type\s*/Page(?![s\w])");
}
