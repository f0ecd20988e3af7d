using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using DocumentFormat.OpenXml.Validation;
using Herald.Reports;
using Herald.Reports.Writers;

namespace Herald.Tests.Reports;

/// <summary>The streamed sheet of exports: a valid workbook whatever its values, and rows past a sheet's limit on further sheets.</summary>
public sealed class XlsxStreamedSheetTests
{
    private static readonly ReportColumn[] Columns =
        [new("name", "Name", ColumnKind.Text), new("count", "Count", ColumnKind.Integer), new("cost", "Cost", ColumnKind.Money)];

    [Fact]
    public void Rows_past_a_sheets_limit_continue_on_the_next_sheets_in_order()
    {
        using var output = new MemoryStream();
        using (var rows = XlsxReportWriter.OpenRows("Items", Columns, output, rowsPerSheet: 4))
            for (int i = 0; i < 10; i++) rows.Write([$"r{i}", (long)i, i % 2 == 0 ? null : i * 0.25]);

        using var package = SpreadsheetDocument.Open(new MemoryStream(output.ToArray()), false);
        Assert.Empty(new OpenXmlValidator().Validate(package));
        var workbook = package.WorkbookPart!;
        var sheets = workbook.Workbook.Sheets!.Elements<Sheet>().ToList();
        Assert.Equal(["Items", "Items (2)", "Items (3)", "Items (4)"], sheets.Select(s => s.Name!.Value));
        var read = new List<string>();
        foreach (var sheet in sheets)
        {
            var rows = ((WorksheetPart)workbook.GetPartById(sheet.Id!)).Worksheet.Descendants<Row>().ToList();
            Assert.InRange(rows.Count, 2, 4);
            Assert.Equal(["Name", "Count", "Cost"], rows[0].Elements<Cell>().Select(c => c.InnerText));
            foreach (var row in rows.Skip(1))
            {
                var cells = row.Elements<Cell>().ToList();
                Assert.Equal(3, cells.Count);
                read.Add($"{cells[0].InnerText}|{cells[1].CellValue?.Text}|{cells[2].CellValue?.Text}");
            }
        }
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"r{i}|{i}|{(i % 2 == 0 ? "" : (i * 0.25).ToString(System.Globalization.CultureInfo.InvariantCulture))}"), read);
    }

    [Fact]
    public void Text_that_xml_cannot_hold_is_replaced_and_markup_is_escaped()
    {
        using var output = new MemoryStream();
        using (var rows = XlsxReportWriter.OpenRows("Items", Columns, output))
        {
            rows.Write(["<b>&amp;</b> \u0001bell", 1L, 0.5]);
            rows.Write([" padded ", 2L, 1.0]);
            rows.Write(["=1+1", -3L, -0.5]);
        }
        using var package = SpreadsheetDocument.Open(new MemoryStream(output.ToArray()), false);
        Assert.Empty(new OpenXmlValidator().Validate(package));
        var sheet = (WorksheetPart)package.WorkbookPart!.GetPartById(package.WorkbookPart.Workbook.Sheets!.Elements<Sheet>().Single().Id!);
        var names = sheet.Worksheet.Descendants<Row>().Skip(1).Select(r => r.Elements<Cell>().First().InnerText).ToList();
        Assert.Equal(["<b>&amp;</b> \uFFFDbell", " padded ", "'=1+1"], names);
    }
}
