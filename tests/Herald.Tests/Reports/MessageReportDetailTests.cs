using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Validation;
using Herald.Tests.Api;
using static Herald.Tests.Api.ItemFileKit;

namespace Herald.Tests.Reports;

/// <summary>
/// <c>detail=items</c> on the message report: every format lists the period's messages as the items API shows them (JSON
/// <c>messages</c>, an Excel Messages sheet, a ZIP of the summary CSV and a -messages.csv); the PDF lists the first 1,000.
/// </summary>
public sealed class MessageReportDetailTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private static string Window => ItemSearchKit.Query(
        new DateTimeOffset(ReportTraffic.First.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds(),
        new DateTimeOffset(ReportTraffic.Last.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds());

    private async Task<HttpClient> TeamWithTrafficAsync(int items = 60, string prefix = "m")
    {
        var (_, client) = await shared.NewTeamAsync("events:write", "metrics:read", "reports:write");
        await new ReportTraffic(items, prefix, campaign: "spring", account: "acct-1").PostAsync(client);
        return client;
    }

    [Fact]
    public async Task Each_format_lists_every_message_as_the_items_api_shows_it()
    {
        var client = await TeamWithTrafficAsync();
        var search = await ItemSearchKit.AllPagesAsync(client, Window, 1000);
        Assert.Equal(60, search.Count);
        string request = $"/api/v1/analytics/reports/messages?{ReportTraffic.Range}&detail=items";

        var json = await ReportKit.GenerateAndWait(client, request + "&format=json");
        Assert.Equal("items", json["parameters"]!["detail"]!.GetValue<string>());
        var doc = JsonNode.Parse((await ReportKit.Download(client, json)).Body)!;
        var messages = doc["messages"]!.AsArray();
        Assert.Equal(search.Count, messages.Count);
        for (int i = 0; i < search.Count; i++)
        {
            var want = search[i]!.DeepClone().AsObject();
            Assert.True(JsonNode.DeepEquals(want, messages[i]), $"message {i}: {messages[i]!.ToJsonString()}, expected {want.ToJsonString()}");
        }
        Assert.NotNull(doc["daily"]); // the report's own tables are still there

        var csv = await ReportKit.GenerateAndWait(client, request + "&format=csv");
        string file = csv["file_name"]!.GetValue<string>();
        Assert.EndsWith(".zip", file);
        var (zipBody, zipResponse) = await ReportKit.Download(client, csv);
        Assert.Equal("application/zip", zipResponse.Content.Headers.ContentType!.MediaType);
        using (var zip = new ZipArchive(new MemoryStream(zipBody), ZipArchiveMode.Read))
        {
            string stem = file[..^".zip".Length];
            Assert.Equal([stem + "-messages.csv", stem + ".csv"], zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
            var sections = ReportKit.CsvSections(Read(zip.GetEntry(stem + ".csv")!));
            Assert.Equal("60", ReportKit.Rows(sections["summary"]).Single(r => r["metric"] == "total_messages")["value"]);
            AssertSame("csv", search, CsvRows(Encoding.UTF8.GetBytes(Read(zip.GetEntry(stem + "-messages.csv")!))));
        }

        var excel = await ReportKit.GenerateAndWait(client, request + "&format=excel");
        var excelBody = (await ReportKit.Download(client, excel)).Body;
        using (var package = SpreadsheetDocument.Open(new MemoryStream(excelBody), false))
        {
            Assert.Empty(new OpenXmlValidator().Validate(package));
            Assert.Equal(["Summary", "Daily", "By channel", "By provider", "By country", "Top error codes", "Messages"],
                package.WorkbookPart!.Workbook.Sheets!.Elements<DocumentFormat.OpenXml.Spreadsheet.Sheet>().Select(s => s.Name!.Value));
        }
        AssertSame("xlsx", search, XlsxRows(excelBody, "Messages"));
    }

    [Fact]
    public async Task Filters_narrow_the_messages_as_they_narrow_the_search()
    {
        var client = await TeamWithTrafficAsync();
        var search = await ItemSearchKit.AllPagesAsync(client, Window + "&status=failed,sent&campaign=spring&account=acct-1", 7);
        Assert.InRange(search.Count, 10, 50);
        var report = await ReportKit.GenerateAndWait(client,
            $"/api/v1/analytics/reports/messages?{ReportTraffic.Range}&detail=items&format=json&status=failed,sent&campaign_id=spring&account_id=acct-1");
        var messages = JsonNode.Parse((await ReportKit.Download(client, report)).Body)!["messages"]!.AsArray();
        Assert.Equal(search.Select(i => i["item_id"]!.GetValue<string>()), messages.Select(m => m!["item_id"]!.GetValue<string>()));
        Assert.Equal(search.Count, report["summary"]!["total_messages"]!.GetValue<long>());
        // Another campaign: no messages at all.
        var none = await ReportKit.GenerateAndWait(client, $"/api/v1/analytics/reports/messages?{ReportTraffic.Range}&detail=items&format=json&campaign_id=autumn");
        Assert.Empty(JsonNode.Parse((await ReportKit.Download(client, none)).Body)!["messages"]!.AsArray());
    }

    [Fact]
    public async Task The_pdf_lists_the_first_thousand_messages_and_says_how_many_more()
    {
        var client = await TeamWithTrafficAsync(1_100, "pm");
        var search = await ItemSearchKit.AllPagesAsync(client, Window, 1000);
        Assert.Equal(1_100, search.Count);
        var report = await ReportKit.GenerateAndWait(client, $"/api/v1/analytics/reports/messages?{ReportTraffic.Range}&detail=items&format=pdf");
        var text = ReportKit.PdfText((await ReportKit.Download(client, report)).Body);
        Assert.Contains("Messages (the first 1,000 of 1,100)", text);
        Assert.Contains("100 more messages are not listed here.", text);
        var listed = System.Text.RegularExpressions.Regex.Matches(text, @"(?<![\w-])pm\d{1,4}(?![\w-])").Select(m => m.Value).ToHashSet();
        Assert.Equal(search.Take(1000).Select(i => i["item_id"]!.GetValue<string>()).ToHashSet(), listed);

        var small = await TeamWithTrafficAsync(12, "q");
        var smallReport = await ReportKit.GenerateAndWait(small, $"/api/v1/analytics/reports/messages?{ReportTraffic.Range}&detail=items&format=pdf");
        Assert.Contains("All 12 messages are listed.", ReportKit.PdfText((await ReportKit.Download(small, smallReport)).Body));
    }

    [Fact]
    public async Task An_unknown_detail_is_a_400()
    {
        var (_, client) = await shared.NewTeamAsync("events:write", "metrics:read", "reports:write");
        var response = await client.PostAsync($"/api/v1/analytics/reports/messages?{ReportTraffic.Range}&detail=events", null);
        await Kit.AssertError(response, HttpStatusCode.BadRequest, "detail", "invalid_parameter");
    }

    private static string Read(ZipArchiveEntry entry)
    {
        using var reader = new StreamReader(entry.Open(), Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
