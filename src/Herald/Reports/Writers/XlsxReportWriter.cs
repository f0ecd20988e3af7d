using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using A = DocumentFormat.OpenXml.Drawing;
using C = DocumentFormat.OpenXml.Drawing.Charts;
using Xdr = DocumentFormat.OpenXml.Drawing.Spreadsheet;

namespace Herald.Reports.Writers;

/// <summary>
/// An .xlsx workbook (DocumentFormat.OpenXml): a <c>Summary</c> sheet (title, period, parameters, the summary figures and a
/// native line chart of the daily volume drawn from the daily sheet), then one sheet per table named by its title. Header rows
/// are bold and frozen; numbers are numeric cells with a number format (integers <c>#,##0</c>, rates <c>0.00</c>, money
/// <c>#,##0.0000</c>, seconds <c>0.000</c>), days are date cells (<c>yyyy-mm-dd</c>); column widths follow the content.
/// A report's detail rows (the message report's messages) are a last sheet, written row by row.
/// </summary>
public static class XlsxReportWriter
{
    private const uint StyleBold = 1, StyleInteger = 2, StylePercent = 3, StyleSeconds = 4, StyleMoney = 5, StyleDate = 6, StyleTitle = 7, StyleDateTime = 8;
    private const int ChartRows = 20;

    /// <summary>The rows an Excel sheet holds (its header row included).</summary>
    public const int ExcelMaxRows = 1_048_576;

    /// <summary>The cell style of bold header text.</summary>
    internal const uint BoldStyle = StyleBold;

    /// <summary>
    /// The workbook. With a detail (the message report's messages) its rows go on a last sheet, written as they are read
    /// (<see cref="XlsxStreamedSheet"/>): the rest of the workbook is made in memory first.
    /// </summary>
    public static void Write(ReportDocument doc, Stream output)
    {
        if (doc.Detail is not { } detail)
        {
            WriteWorkbook(doc, output, null);
            return;
        }
        using var template = new MemoryStream();
        var (entry, name) = WriteWorkbook(doc, template, detail.Title)!.Value;
        template.Position = 0;
        using var sheet = new XlsxStreamedSheet(template, entry, name, output, detail.Columns);
        foreach (var row in detail.Rows()) sheet.Write(row);
    }

    /// <summary>
    /// A workbook of one sheet whose rows the caller writes as they come (item exports); disposing it ends the file. Rows past
    /// <paramref name="rowsPerSheet"/> continue on further sheets.
    /// </summary>
    public static ITableRowWriter OpenRows(string sheetName, IReadOnlyList<ReportColumn> columns, Stream output, int rowsPerSheet = ExcelMaxRows)
    {
        using var template = new MemoryStream();
        string entry;
        using (var package = SpreadsheetDocument.Create(template, SpreadsheetDocumentType.Workbook))
        {
            var workbookPart = package.AddWorkbookPart();
            workbookPart.Workbook = new Workbook();
            workbookPart.AddNewPart<WorkbookStylesPart>().Stylesheet = Styles();
            entry = EmptySheet(workbookPart, workbookPart.Workbook.AppendChild(new Sheets()), 1, sheetName);
            workbookPart.Workbook.Save();
        }
        template.Position = 0;
        return new XlsxStreamedSheet(template, entry, sheetName, output, columns, rowsPerSheet);
    }

    /// <summary>An empty sheet to be filled by <see cref="XlsxStreamedSheet"/>: its part's entry in the package.</summary>
    private static string EmptySheet(WorkbookPart workbookPart, Sheets sheets, uint sheetId, string name)
    {
        var part = workbookPart.AddNewPart<WorksheetPart>();
        part.Worksheet = new Worksheet(new SheetData());
        sheets.Append(new Sheet { Id = workbookPart.GetIdOfPart(part), SheetId = sheetId, Name = name });
        return part.Uri.OriginalString.TrimStart('/');
    }

    /// <summary>The number style of a column kind (0: none).</summary>
    internal static uint StyleOf(ColumnKind kind) => kind switch
    {
        ColumnKind.Integer => StyleInteger,
        ColumnKind.Percent => StylePercent,
        ColumnKind.Seconds => StyleSeconds,
        ColumnKind.Money or ColumnKind.Decimal => StyleMoney,
        _ => 0,
    };

    /// <returns>With <paramref name="detailTitle"/>: the entry and name of the empty sheet left for the detail's rows.</returns>
    private static (string Entry, string Name)? WriteWorkbook(ReportDocument doc, Stream output, string? detailTitle)
    {
        using var package = SpreadsheetDocument.Create(output, SpreadsheetDocumentType.Workbook);
        var workbookPart = package.AddWorkbookPart();
        workbookPart.Workbook = new Workbook();
        workbookPart.AddNewPart<WorkbookStylesPart>().Stylesheet = Styles();
        var sheets = workbookPart.Workbook.AppendChild(new Sheets());
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "Summary" };
        foreach (var t in doc.Tables) names[t.Name] = SheetName(t.Title, used);

        // Summary first: the sheet a reader lands on.
        var summaryPart = workbookPart.AddNewPart<WorksheetPart>();
        sheets.Append(new Sheet { Id = workbookPart.GetIdOfPart(summaryPart), SheetId = 1, Name = "Summary" });
        int summaryRows = WriteSummary(doc, summaryPart);
        uint sheetId = 2;
        foreach (var table in doc.Tables)
        {
            var part = workbookPart.AddNewPart<WorksheetPart>();
            sheets.Append(new Sheet { Id = workbookPart.GetIdOfPart(part), SheetId = sheetId++, Name = names[table.Name] });
            WriteTable(table, part);
        }
        (string, string)? detail = null;
        if (detailTitle is not null)
        {
            string name = SheetName(detailTitle, used);
            detail = (EmptySheet(workbookPart, sheets, sheetId, name), name);
        }
        if (doc.Table(doc.ChartTable) is { Rows.Count: > 0 } chartTable)
            AddChart(summaryPart, doc, chartTable, names[chartTable.Name], summaryRows + 1);
        workbookPart.Workbook.Save();
        return detail;
    }

    private static int WriteSummary(ReportDocument doc, WorksheetPart part)
    {
        var data = new SheetData();
        int r = 0;
        Row Next() => data.AppendChild(new Row { RowIndex = (uint)++r });
        Next().Append(TextCell(1, r, doc.Title, StyleTitle));
        var labels = new List<(string Label, string Value)>
        {
            ("Report id", doc.Id), ("Team", doc.Team), ("Period", doc.PeriodText),
            ("Generated at", doc.GeneratedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", System.Globalization.CultureInfo.InvariantCulture)),
            ("Parameters", string.Join(", ", doc.Parameters.Select(p => $"{p.Key}={p.Value}"))),
        };
        foreach (var (label, value) in labels)
        {
            var row = Next();
            row.Append(TextCell(1, r, label, StyleBold), TextCell(2, r, value));
        }
        r++;
        var header = Next();
        header.Append(TextCell(1, r, "Metric", StyleBold), TextCell(2, r, "Value", StyleBold), TextCell(3, r, "Key", StyleBold));
        int width1 = 14, width2 = 14;
        foreach (var k in doc.Summary)
        {
            var row = Next();
            row.Append(TextCell(1, r, k.Label));
            if (ValueCell(2, r, k.Value, k.Kind) is { } cell) row.Append(cell);
            row.Append(TextCell(3, r, k.Name));
            width1 = Math.Max(width1, k.Label.Length + 2);
            width2 = Math.Max(width2, ReportValues.Display(k.Value, k.Kind).Length + 2);
        }
        part.Worksheet = new Worksheet(
            new Columns(
                new Column { Min = 1, Max = 1, Width = Math.Min(40, width1), CustomWidth = true },
                new Column { Min = 2, Max = 2, Width = Math.Min(60, width2), CustomWidth = true },
                new Column { Min = 3, Max = 3, Width = 28, CustomWidth = true }),
            data);
        return r;
    }

    private static void WriteTable(ReportTable table, WorksheetPart part)
    {
        var data = new SheetData();
        var header = data.AppendChild(new Row { RowIndex = 1 });
        for (int c = 0; c < table.Columns.Count; c++) header.Append(TextCell(c + 1, 1, table.Columns[c].Header, StyleBold));
        var widths = table.Columns.Select(c => c.Header.Length + 2).ToArray();
        int r = 1;
        foreach (var values in table.Rows)
        {
            var row = data.AppendChild(new Row { RowIndex = (uint)++r });
            for (int c = 0; c < table.Columns.Count; c++)
            {
                var kind = table.Columns[c].Kind;
                if (ValueCell(c + 1, r, values[c], kind) is { } cell) row.Append(cell);
                widths[c] = Math.Max(widths[c], ReportValues.Display(values[c], kind).Length + 2);
            }
        }
        var columns = new Columns();
        for (int c = 0; c < widths.Length; c++)
            columns.Append(new Column { Min = (uint)(c + 1), Max = (uint)(c + 1), Width = Math.Clamp(widths[c], 8, 60), CustomWidth = true });
        var view = new SheetView(new Pane
        {
            VerticalSplit = 1, TopLeftCell = "A2", ActivePane = PaneValues.BottomLeft, State = PaneStateValues.Frozen,
        }) { WorkbookViewId = 0 };
        part.Worksheet = new Worksheet(new SheetViews(view), columns, data);
    }

    /// <summary>A text cell; text that starts like a formula gets an apostrophe (<see cref="ReportValues.Inert"/>), as in the CSV.</summary>
    private static Cell TextCell(int column, int row, string text, uint style = 0) =>
        new(new InlineString(new Text(ReportValues.Inert(text)) { Space = SpaceProcessingModeValues.Preserve }))
        {
            CellReference = Reference(column, row), DataType = CellValues.InlineString, StyleIndex = style == 0 ? null : style,
        };

    private static Cell? ValueCell(int column, int row, object? value, ColumnKind kind)
    {
        if (value is null) return null;
        if (value is DateOnly day)
            return NumberCell(column, row, day.ToDateTime(TimeOnly.MinValue).ToOADate(), StyleDate);
        if (value is DateTime time)
            return NumberCell(column, row, time.ToOADate(), StyleDateTime);
        if (ReportValues.Number(value) is { } number && double.IsFinite(number))
            return NumberCell(column, row, number, StyleOf(kind));
        return TextCell(column, row, ReportValues.Text(value));
    }

    private static Cell NumberCell(int column, int row, double value, uint style) =>
        new(new CellValue(value)) { CellReference = Reference(column, row), DataType = CellValues.Number, StyleIndex = style == 0 ? null : style };

    public static string ColumnLetter(int column)
    {
        string s = "";
        for (int c = column; c > 0; c = (c - 1) / 26) s = (char)('A' + (c - 1) % 26) + s;
        return s;
    }

    private static string Reference(int column, int row) => ColumnLetter(column) + row.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string SheetName(string title, HashSet<string> used)
    {
        var clean = new string(title.Select(ch => "[]:*?/\\".Contains(ch) ? ' ' : ch).ToArray()).Trim();
        if (clean.Length == 0) clean = "Sheet";
        if (clean.Length > 31) clean = clean[..31];
        var name = clean;
        for (int i = 2; !used.Add(name); i++) name = clean[..Math.Min(clean.Length, 28)] + " " + i;
        return name;
    }

    private static Stylesheet Styles() => new(
        new NumberingFormats(
            new NumberingFormat { NumberFormatId = 164, FormatCode = "yyyy-mm-dd" },
            new NumberingFormat { NumberFormatId = 165, FormatCode = "#,##0.0000" },
            new NumberingFormat { NumberFormatId = 166, FormatCode = "0.000" },
            new NumberingFormat { NumberFormatId = 167, FormatCode = "yyyy-mm-dd hh:mm" }) { Count = 4 },
        new Fonts(
            new Font(new FontSize { Val = 11 }, new FontName { Val = "Calibri" }),
            new Font(new Bold(), new FontSize { Val = 11 }, new FontName { Val = "Calibri" }),
            new Font(new Bold(), new FontSize { Val = 14 }, new FontName { Val = "Calibri" })) { Count = 3 },
        new Fills(
            new Fill(new PatternFill { PatternType = PatternValues.None }),
            new Fill(new PatternFill { PatternType = PatternValues.Gray125 })) { Count = 2 },
        new Borders(new Border(new LeftBorder(), new RightBorder(), new TopBorder(), new BottomBorder(), new DiagonalBorder())) { Count = 1 },
        new CellFormats(
            new CellFormat(),
            new CellFormat { FontId = 1, ApplyFont = true },
            new CellFormat { NumberFormatId = 3, ApplyNumberFormat = true },
            new CellFormat { NumberFormatId = 2, ApplyNumberFormat = true },
            new CellFormat { NumberFormatId = 166, ApplyNumberFormat = true },
            new CellFormat { NumberFormatId = 165, ApplyNumberFormat = true },
            new CellFormat { NumberFormatId = 164, ApplyNumberFormat = true },
            new CellFormat { FontId = 2, ApplyFont = true },
            new CellFormat { NumberFormatId = 167, ApplyNumberFormat = true }) { Count = 9 });

    /// <summary>A line chart on the summary sheet below the figures: one series per column, the days (or hours) on the category axis.</summary>
    private static void AddChart(WorksheetPart host, ReportDocument doc, ReportTable table, string sheet, int atRow)
    {
        var series = doc.ChartLines;
        string dateFormat = table.Rows.Count > 0 && table.Rows[0][0] is DateTime ? "yyyy-mm-dd hh:mm" : "yyyy-mm-dd";
        var drawings = host.AddNewPart<DrawingsPart>();
        host.Worksheet.Append(new Drawing { Id = host.GetIdOfPart(drawings) });
        drawings.WorksheetDrawing = new Xdr.WorksheetDrawing();
        var chartPart = drawings.AddNewPart<ChartPart>();
        int last = table.Rows.Count + 1;
        string quoted = "'" + sheet.Replace("'", "''") + "'";

        const uint categoryAxis = 500_001, valueAxis = 500_002;
        var lineChart = new C.LineChart(new C.Grouping { Val = C.GroupingValues.Standard }, new C.VaryColors { Val = false });
        string[] colors = ["4472C4", "2E9E44", "D9372B", "A5A5A5"];
        uint index = 0;
        foreach (var name in series)
        {
            int col = table.IndexOf(name);
            if (col < 0) continue;
            string letter = ColumnLetter(col + 1);
            var values = new C.NumberingCache(new C.FormatCode("General"), new C.PointCount { Val = (uint)table.Rows.Count });
            var dates = new C.NumberingCache(new C.FormatCode(dateFormat), new C.PointCount { Val = (uint)table.Rows.Count });
            for (int i = 0; i < table.Rows.Count; i++)
            {
                if (ReportValues.Number(table.Rows[i][col]) is { } v)
                    values.Append(new C.NumericPoint(new C.NumericValue(v.ToString(System.Globalization.CultureInfo.InvariantCulture))) { Index = (uint)i });
                double? at = table.Rows[i][0] switch
                {
                    DateOnly d => d.ToDateTime(TimeOnly.MinValue).ToOADate(),
                    DateTime t => t.ToOADate(),
                    _ => null,
                };
                if (at is { } oa)
                    dates.Append(new C.NumericPoint(new C.NumericValue(oa.ToString(System.Globalization.CultureInfo.InvariantCulture))) { Index = (uint)i });
            }
            var header = table.Columns[col].Header;
            lineChart.Append(new C.LineChartSeries(
                new C.Index { Val = index }, new C.Order { Val = index },
                new C.SeriesText(new C.StringReference(new C.Formula($"{quoted}!${letter}$1"),
                    new C.StringCache(new C.PointCount { Val = 1 }, new C.StringPoint(new C.NumericValue(header)) { Index = 0 }))),
                new C.ChartShapeProperties(new A.Outline(new A.SolidFill(new A.RgbColorModelHex { Val = colors[index % colors.Length] })) { Width = 22225 }),
                new C.Marker(new C.Symbol { Val = C.MarkerStyleValues.None }),
                new C.CategoryAxisData(new C.NumberReference(new C.Formula($"{quoted}!$A$2:$A${last}"), dates)),
                new C.Values(new C.NumberReference(new C.Formula($"{quoted}!${letter}$2:${letter}${last}"), values)),
                new C.Smooth { Val = false }));
            index++;
        }
        lineChart.Append(new C.ShowMarker { Val = true }, new C.AxisId { Val = categoryAxis }, new C.AxisId { Val = valueAxis });

        var title = new C.Title(new C.ChartText(new C.RichText(new A.BodyProperties(), new A.ListStyle(),
            new A.Paragraph(new A.Run(new A.RunProperties { Language = "en-US", FontSize = 1200, Bold = true }, new A.Text(doc.ChartTitle))))),
            new C.Overlay { Val = false });
        var plotArea = new C.PlotArea(new C.Layout(), lineChart,
            new C.DateAxis(new C.AxisId { Val = categoryAxis }, new C.Scaling(new C.Orientation { Val = C.OrientationValues.MinMax }),
                new C.Delete { Val = false }, new C.AxisPosition { Val = C.AxisPositionValues.Bottom },
                new C.NumberingFormat { FormatCode = dateFormat, SourceLinked = false },
                new C.MajorTickMark { Val = C.TickMarkValues.Outside }, new C.MinorTickMark { Val = C.TickMarkValues.None },
                new C.TickLabelPosition { Val = C.TickLabelPositionValues.NextTo }, new C.CrossingAxis { Val = valueAxis },
                new C.Crosses { Val = C.CrossesValues.AutoZero }, new C.AutoLabeled { Val = true }, new C.LabelOffset { Val = 100 },
                new C.BaseTimeUnit { Val = C.TimeUnitValues.Days }),
            new C.ValueAxis(new C.AxisId { Val = valueAxis }, new C.Scaling(new C.Orientation { Val = C.OrientationValues.MinMax }),
                new C.Delete { Val = false }, new C.AxisPosition { Val = C.AxisPositionValues.Left }, new C.MajorGridlines(),
                new C.Title(new C.ChartText(new C.RichText(new A.BodyProperties { Rotation = -5400000, Vertical = A.TextVerticalValues.Horizontal },
                    new A.ListStyle(), new A.Paragraph(new A.Run(new A.RunProperties { Language = "en-US", FontSize = 1000 }, new A.Text(char.ToUpperInvariant(doc.ChartUnit[0]) + doc.ChartUnit[1..]))))),
                    new C.Overlay { Val = false }),
                new C.NumberingFormat { FormatCode = "#,##0", SourceLinked = false },
                new C.MajorTickMark { Val = C.TickMarkValues.Outside }, new C.MinorTickMark { Val = C.TickMarkValues.None },
                new C.TickLabelPosition { Val = C.TickLabelPositionValues.NextTo }, new C.CrossingAxis { Val = categoryAxis },
                new C.Crosses { Val = C.CrossesValues.AutoZero }, new C.CrossBetween { Val = C.CrossBetweenValues.Between }));
        chartPart.ChartSpace = new C.ChartSpace(
            new C.EditingLanguage { Val = "en-US" }, new C.RoundedCorners { Val = false },
            new C.Chart(title, new C.AutoTitleDeleted { Val = false }, plotArea,
                new C.Legend(new C.LegendPosition { Val = C.LegendPositionValues.Bottom }, new C.Overlay { Val = false }),
                new C.PlotVisibleOnly { Val = true }, new C.DisplayBlanksAs { Val = C.DisplayBlanksAsValues.Gap }));
        chartPart.ChartSpace.AddNamespaceDeclaration("c", "http://schemas.openxmlformats.org/drawingml/2006/chart");
        chartPart.ChartSpace.AddNamespaceDeclaration("a", "http://schemas.openxmlformats.org/drawingml/2006/main");
        chartPart.ChartSpace.AddNamespaceDeclaration("r", "http://schemas.openxmlformats.org/officeDocument/2006/relationships");

        drawings.WorksheetDrawing.Append(new Xdr.TwoCellAnchor(
            new Xdr.FromMarker(new Xdr.ColumnId("0"), new Xdr.ColumnOffset("0"), new Xdr.RowId(atRow.ToString(System.Globalization.CultureInfo.InvariantCulture)), new Xdr.RowOffset("0")),
            new Xdr.ToMarker(new Xdr.ColumnId("8"), new Xdr.ColumnOffset("0"), new Xdr.RowId((atRow + ChartRows).ToString(System.Globalization.CultureInfo.InvariantCulture)), new Xdr.RowOffset("0")),
            new Xdr.GraphicFrame(
                new Xdr.NonVisualGraphicFrameProperties(new Xdr.NonVisualDrawingProperties { Id = 2U, Name = "Daily volume" },
                    new Xdr.NonVisualGraphicFrameDrawingProperties()),
                new Xdr.Transform(new A.Offset { X = 0, Y = 0 }, new A.Extents { Cx = 0, Cy = 0 }),
                new A.Graphic(new A.GraphicData(new C.ChartReference { Id = drawings.GetIdOfPart(chartPart) })
                    { Uri = "http://schemas.openxmlformats.org/drawingml/2006/chart" })) { Macro = "" },
            new Xdr.ClientData()) { EditAs = Xdr.EditAsValues.OneCell });
        drawings.WorksheetDrawing.Save();
    }
}
