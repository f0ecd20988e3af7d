using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using DocumentFormat.OpenXml.Validation;
using Herald.Tests.Api;
using Herald.Tests.Support;

namespace Herald.Tests.Reports;

/// <summary>
/// Seed 004's system utilization report over real HTTP, on a server of its own that samples itself every second: the
/// requests and events the test made show up in every format, the tables agree with the summary, and a day without
/// samples says so.
/// </summary>
public sealed class SystemReportTests
{
    private static string Today => DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Report(string format, string? day = null) =>
        $"/api/v1/analytics/reports/system?start_date={day ?? Today}&end_date={day ?? Today}&format={format}";

    [Fact]
    public async Task The_requests_errors_and_events_made_show_up_in_all_four_formats()
    {
        await using var server = await HeraldServer.StartAsync(new() { ["Herald:Utilization:SampleInterval"] = "00:00:01" });
        var (_, key) = await server.CreateTeamAsync("system-report", "events:write", "metrics:read", "reports:write");
        using var client = server.Client(key);

        const int Ok = 20, NotFound = 5, Bad = 3, Events = 40;
        for (int i = 0; i < Ok; i++) Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/analytics/reports")).StatusCode);
        for (int i = 0; i < NotFound; i++) Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/analytics/reports/MSG_none")).StatusCode);
        for (int i = 0; i < Bad; i++) Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/v1/analytics/reports?limit=0")).StatusCode);
        await Kit.Ingest(client, Enumerable.Range(0, Events).Select(i => Kit.Event($"sys-{i}", "sent", Kit.Format(DateTimeOffset.UtcNow.AddMinutes(-1)), kind: "message")).ToList());

        // Samples land every second: wait until one holds everything above.
        JsonNode json = null!;
        JsonNode summary = null!;
        int generated = 0;
        for (var deadline = DateTime.UtcNow.AddSeconds(30); ;)
        {
            json = await ReportKit.Generate(client, Report("json"));
            generated++;
            summary = json["summary"]!;
            if (summary["requests"]!.GetValue<long>() >= Ok + NotFound + Bad && summary["events"]!.GetValue<long>() >= Events) break;
            Assert.True(DateTime.UtcNow < deadline, $"the samples never held the test's requests and events: {summary.ToJsonString()}");
            await Task.Delay(500);
        }
        Assert.Equal("system", json["report_type"]!.GetValue<string>());
        Assert.Matches(@"^SYS_\d{8}_\d{6}_[0-9a-f]{6}$", json["report_id"]!.GetValue<string>());
        Assert.True(summary["client_errors"]!.GetValue<long>() >= NotFound + Bad, summary.ToJsonString());
        Assert.Equal(0, summary["server_errors"]!.GetValue<long>());
        Assert.Equal(0, summary["error_rate"]!.GetValue<double>());
        Assert.True(summary["samples"]!.GetValue<long>() >= 1);
        Assert.InRange(summary["cpu_avg"]!.GetValue<double>(), 0, 100);
        Assert.InRange(summary["memory_max"]!.GetValue<double>(), 0.001, 100);
        Assert.True(summary["memory_peak_bytes"]!.GetValue<long>() > 10_000_000);
        Assert.True(summary["database_bytes"]!.GetValue<long>() > 0);
        Assert.True(summary["latency_p95_ms"]!.GetValue<double>() > 0);
        Assert.True(summary["latency_max_ms"]!.GetValue<double>() >= summary["latency_p95_ms"]!.GetValue<double>() * 0.98);
        Assert.True(summary["ingest_rate_peak"]!.GetValue<double>() > 0);

        // The downloaded JSON: one day, 24 hours; the hours add up to the day and the day to the summary.
        var file = JsonNode.Parse((await ReportKit.Download(client, await ReportKit.Generate(client, Report("json")))).Body)!;
        var fileSummary = file["summary"]!;
        var daily = Assert.Single(file["daily"]!.AsArray())!;
        Assert.Equal(Today, daily["date"]!.GetValue<string>());
        var hourly = file["hourly"]!.AsArray();
        Assert.Equal(24, hourly.Count);
        foreach (var column in new[] { "requests", "client_errors", "server_errors", "events", "samples" })
        {
            Assert.Equal(fileSummary[column]!.GetValue<long>(), daily[column]!.GetValue<long>());
            Assert.Equal(daily[column]!.GetValue<long>(), hourly.Sum(h => h![column]!.GetValue<long>()));
        }
        Assert.True(hourly[DateTime.UtcNow.Hour]!["requests"]!.GetValue<long>() > 0 || hourly[(DateTime.UtcNow.Hour + 23) % 24]!["requests"]!.GetValue<long>() > 0);
        Assert.Equal(24, file["hourly_resources"]!.AsArray().Count);

        var csv = await ReportKit.Generate(client, Report("csv"));
        var sections = ReportKit.CsvSections(Encoding.UTF8.GetString((await ReportKit.Download(client, csv)).Body));
        Assert.Equal(["summary", "daily", "daily_resources", "hourly", "hourly_resources"], sections.Keys.ToArray());
        var csvSummary = ReportKit.Rows(sections["summary"]).ToDictionary(r => r["metric"], r => r["value"]);
        Assert.True(ReportKit.Num(csvSummary["requests"]) >= fileSummary["requests"]!.GetValue<long>()); // later: more requests
        var csvDay = Assert.Single(ReportKit.Rows(sections["daily"]));
        Assert.Equal(csvSummary["requests"], csvDay["requests"]);
        Assert.Equal(24, ReportKit.Rows(sections["hourly"]).Count);

        var excel = await ReportKit.Generate(client, Report("excel"));
        using (var package = SpreadsheetDocument.Open(new MemoryStream((await ReportKit.Download(client, excel)).Body), false))
        {
            var errors = new OpenXmlValidator().Validate(package).Select(e => $"{e.Path?.XPath}: {e.Description}").ToList();
            Assert.True(errors.Count == 0, string.Join("\n", errors));
            var workbook = package.WorkbookPart!;
            Assert.Equal(["Summary", "Daily requests and ingest", "Daily resources", "Hourly requests and ingest", "Hourly resources"],
                workbook.Workbook.Sheets!.Elements<Sheet>().Select(s => s.Name!.Value!).ToArray());
            var day = ReportKit.XlsxCells(workbook, "Daily requests and ingest");
            Assert.Equal(2, day.Count);
            Assert.Equal("Requests", day[0][3].Text);
            var excelRequests = ReportKit.XlsxCells(workbook, "Summary").First(r => r.Count >= 3 && r[2].Text == "requests")[1].Number;
            Assert.Equal(excelRequests, day[1][3].Number);
            Assert.True(excelRequests >= ReportKit.Num(csvSummary["requests"]));
            Assert.Equal(25, ReportKit.XlsxCells(workbook, "Hourly resources").Count);
        }

        var pdf = await ReportKit.Generate(client, Report("pdf"));
        var text = ReportKit.PdfText((await ReportKit.Download(client, pdf)).Body);
        Assert.Contains("System utilization report", text);
        Assert.Contains("Requests per hour (UTC)", text);
        Assert.Contains("Hourly resources", text);
        Assert.Contains(pdf["report_id"]!.GetValue<string>(), text);

        // The report is listed under its type.
        var listed = await Kit.GetData(client, "/api/v1/analytics/reports?type=system");
        Assert.Equal(generated + 4, listed.AsArray().Count(r => r!["report_type"]!.GetValue<string>() == "system"));
    }

    [Fact]
    public async Task A_day_before_sampling_began_has_no_samples_and_a_bad_period_is_a_400()
    {
        await using var server = await HeraldServer.StartAsync(new() { ["Herald:Utilization:SampleInterval"] = "00:00:01" });
        var (_, key) = await server.CreateTeamAsync("system-empty", "metrics:read", "reports:write");
        using var client = server.Client(key);

        string yesterday = DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var summary = (await ReportKit.Generate(client, Report("json", yesterday)))["summary"]!;
        Assert.Equal(0, summary["samples"]!.GetValue<long>());
        Assert.Equal(0, summary["requests"]!.GetValue<long>());
        Assert.Null(summary["cpu_avg"]);
        Assert.Null(summary["latency_p95_ms"]);

        await Kit.AssertError(await client.PostAsync($"/api/v1/analytics/reports/system?start_date={Today}&end_date={yesterday}&format=csv", null),
            HttpStatusCode.BadRequest, "start_date");
        await Kit.AssertError(await client.PostAsync($"/api/v1/analytics/reports/system?start_date={Today}&end_date={Today}&format=docx", null),
            HttpStatusCode.BadRequest, "format");
        await Kit.AssertError(await client.PostAsync($"/api/v1/analytics/reports/system?end_date={Today}", null), HttpStatusCode.BadRequest, "start_date");
        // The refused requests left no report behind.
        Assert.DoesNotContain((await Kit.GetData(client, "/api/v1/analytics/reports?type=system")).AsArray(), r => r!["parameters"]!["end_date"]!.GetValue<string>() != yesterday);
    }
}
