using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CsvHelper;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace Herald.Tests.Api;

/// <summary>Per-item files (item exports, the message report's messages) read back and compared with the items API's rows.</summary>
internal static class ItemFileKit
{
    /// <summary>The files' columns, in order: the items API's fields.</summary>
    public static readonly string[] Columns =
    [
        "item_id", "team", "kind", "status", "outcome", "status_at", "earliest_at", "first_sent_at", "delivered_at", "latency_seconds",
        "account", "channel", "provider", "route", "campaign", "country", "direction", "agent", "template", "recipient", "cost", "error_code", "event_count",
    ];

    public static readonly HashSet<string> Numbers = ["latency_seconds", "cost", "event_count"];

    /// <summary>A file's rows as column → text (null: no value), numbers in invariant text.</summary>
    public static List<Dictionary<string, string?>> Rows(string format, byte[] body) => format switch
    {
        "csv" => CsvRows(body),
        "ndjson" => Encoding.UTF8.GetString(body).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonNode.Parse(line)!.AsObject().ToDictionary(p => p.Key, p => Text(p.Value))).ToList(),
        _ => XlsxRows(body, "Items"),
    };

    public static List<Dictionary<string, string?>> CsvRows(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body);
        Assert.False(text.StartsWith('\uFEFF'), "the CSV starts with a byte order mark");
        using var reader = CsvReader.FromText(text, new CsvReaderOptions { HasHeader = false });
        var rows = new List<string[]>();
        while (reader.Read()) rows.Add(Enumerable.Range(0, reader.FieldCount).Select(reader.GetString).ToArray());
        Assert.Equal(Columns, rows[0]);
        return rows.Skip(1).Select(r => Columns.Select((c, i) => (c, v: r[i].Length == 0 ? null : r[i])).ToDictionary(p => p.c, p => p.v)).ToList();
    }

    /// <summary>The rows of one sheet of the workbook (its header row holds the columns' headers, starting with Item).</summary>
    public static List<Dictionary<string, string?>> XlsxRows(byte[] body, string sheetName)
    {
        using var package = SpreadsheetDocument.Open(new MemoryStream(body), false);
        var workbook = package.WorkbookPart!;
        var sheet = workbook.Workbook.Sheets!.Elements<Sheet>().Single(s => s.Name == sheetName);
        var rows = ((WorksheetPart)workbook.GetPartById(sheet.Id!)).Worksheet.Descendants<Row>().ToList();
        var header = rows[0].Elements<Cell>().Select(c => c.InlineString!.InnerText).ToList();
        Assert.Equal(Columns.Length, header.Count);
        Assert.Equal("Item", header[0]);
        var result = new List<Dictionary<string, string?>>();
        foreach (var row in rows.Skip(1))
        {
            var cells = row.Elements<Cell>().ToList();
            Assert.Equal(Columns.Length, cells.Count);
            result.Add(Columns.Select((c, i) => (c, v: cells[i].DataType?.Value == CellValues.InlineString ? cells[i].InlineString!.InnerText : cells[i].CellValue?.Text))
                .ToDictionary(p => p.c, p => p.v));
        }
        return result;
    }

    public static string? Text(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v => v.GetValue<double>().ToString("R", CultureInfo.InvariantCulture),
        _ => node.ToJsonString(),
    };

    /// <summary>What a spreadsheet cell of exported text holds: text that starts like a formula gets an apostrophe, a plain number does not.</summary>
    public static string? Defused(string? text) =>
        text is { Length: > 0 } && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r' && !System.Text.RegularExpressions.Regex.IsMatch(text, @"^[+-]\d+(\.\d+)?$")
            ? "'" + text : text;

    public static void AssertSame(string format, List<JsonNode> search, List<Dictionary<string, string?>> export)
    {
        Assert.Equal(search.Count, export.Count);
        for (int i = 0; i < search.Count; i++)
        {
            var want = search[i];
            var got = export[i];
            Assert.Equal(Columns.Order(StringComparer.Ordinal), got.Keys.Order(StringComparer.Ordinal));
            foreach (var column in Columns)
            {
                string? expected = Text(want[column]);
                if (Numbers.Contains(column))
                {
                    Assert.True(expected is null == got[column] is null, $"{format} row {i} {column}: {got[column]}, expected {expected}");
                    if (expected is not null) Assert.Equal(double.Parse(expected, CultureInfo.InvariantCulture), double.Parse(got[column]!, CultureInfo.InvariantCulture), 9);
                }
                else
                {
                    if (format != "ndjson") expected = Defused(expected);
                    Assert.True(expected == got[column], $"{format} row {i} ({want["item_id"]}) {column}: '{got[column]}', expected '{expected}'");
                }
            }
        }
    }
}
