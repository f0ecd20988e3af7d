using System.IO.Compression;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using A = DocumentFormat.OpenXml.Drawing;
using C = DocumentFormat.OpenXml.Drawing.Charts;
using Xdr = DocumentFormat.OpenXml.Drawing.Spreadsheet;

namespace Herald.Reports.Writers;

/// <summary>
/// An .xlsx workbook (DocumentFormat.OpenXml): a <c>Summary</c> sheet (title, period, parameters, the summary figures and a
/// native line chart drawn from the chart's table), then one sheet per table named by its title. Header rows
/// are bold and frozen; numbers are numeric cells with a number format (integers <c>#,##0</c>, rates <c>0.00</c>, money
/// <c>#,##0.0000</c>, seconds <c>0.000</c>), days are date cells (<c>yyyy-mm-dd</c>), times date-time cells; column widths
/// follow the content of the first rows.
/// <para>The SDK's package holds every part in memory until it is saved, so the table sheets are not written into it: the
/// package is built with empty sheets, then copied entry by entry into the output zip, each table sheet written there row
/// by row (SAX) in its place. A long table is never held whole.</para>
/// </summary>
public static class XlsxReportWriter
{
    private const uint StyleBold = 1, StyleInteger = 2, StylePercent = 3, StyleSeconds = 4, StyleMoney = 5, StyleDate = 6, StyleTitle = 7, StyleDateTime = 8;
    private const int ChartRows = 20;

    public static void Write(ReportDocument doc, Stream output)
    {
        using var skeleton = new MemoryStream();
        var tableEntries = new Dictionary<string, ReportTable>(StringComparer.Ordinal);
        using (var package = SpreadsheetDocument.Create(skeleton, SpreadsheetDocumentType.Workbook))
        {
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
                part.Worksheet = new Worksheet(new SheetData());
                tableEntries[part.Uri.OriginalString.TrimStart('/')] = table;
            }
            if (doc.ChartRows is { Count: > 0 } chartRows)
                AddChart(summaryPart, doc, doc.Table(doc.ChartTable)!, chartRows, names[doc.ChartTable], summaryRows + 1);
            workbookPart.Workbook.Save();
        }

        skeleton.Position = 0;
        using var source = new ZipArchive(skeleton, ZipArchiveMode.Read);
        using var target = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        foreach (var entry in source.Entries)
        {
            using var into = target.CreateEntry(entry.FullName, CompressionLevel.Fastest).Open();
            if (tableEntries.TryGetValue(entry.FullName, out var table)) WriteTable(table, into);
            else
            {
                using var from = entry.Open();
                from.CopyTo(into);
            }
        }
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

    private const string SheetNamespace = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";

    private static readonly System.Xml.XmlWriterSettings SheetXml = new() { Encoding = new System.Text.UTF8Encoding(false), CloseOutput = false };

    /// <summary>
    /// A table's sheet, written as XML straight into its zip entry: the SDK's element per cell cost most of the time of a
    /// long table, and the sheet is a flat list of rows of cells.
    /// </summary>
    private static void WriteTable(ReportTable table, Stream part)
    {
        var (head, rows) = ReportValues.Sized(table.Rows);
        int count = table.Columns.Count;
        var widths = table.Columns.Select(c => c.Header.Length + 2).ToArray();
        foreach (var values in head)
            for (int c = 0; c < count; c++) widths[c] = Math.Max(widths[c], ReportValues.Display(values[c], table.Columns[c].Kind).Length + 2);
        var letters = Enumerable.Range(1, count).Select(ColumnLetter).ToArray();

        using var xml = System.Xml.XmlWriter.Create(part, SheetXml);
        xml.WriteStartElement("worksheet", SheetNamespace);
        xml.WriteStartElement("sheetViews", SheetNamespace);
        xml.WriteStartElement("sheetView", SheetNamespace);
        xml.WriteAttributeString("workbookViewId", "0");
        xml.WriteStartElement("pane", SheetNamespace); // the header row frozen
        xml.WriteAttributeString("ySplit", "1");
        xml.WriteAttributeString("topLeftCell", "A2");
        xml.WriteAttributeString("activePane", "bottomLeft");
        xml.WriteAttributeString("state", "frozen");
        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteStartElement("cols", SheetNamespace);
        for (int c = 0; c < count; c++)
        {
            xml.WriteStartElement("col", SheetNamespace);
            xml.WriteAttributeString("min", (c + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
            xml.WriteAttributeString("max", (c + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
            xml.WriteAttributeString("width", Math.Clamp(widths[c], 8, 60).ToString(System.Globalization.CultureInfo.InvariantCulture));
            xml.WriteAttributeString("customWidth", "1");
            xml.WriteEndElement();
        }
        xml.WriteEndElement();
        xml.WriteStartElement("sheetData", SheetNamespace);
        StartRow(xml, 1);
        for (int c = 0; c < count; c++) WriteCell(xml, letters[c], 1, new CellContent(null, table.Columns[c].Header, StyleBold));
        xml.WriteEndElement();
        int r = 1;
        foreach (var values in rows)
        {
            StartRow(xml, ++r);
            for (int c = 0; c < count; c++)
                if (Content(values[c], table.Columns[c].Kind) is { } content) WriteCell(xml, letters[c], r, content);
            xml.WriteEndElement();
        }
        xml.WriteEndElement();
        xml.WriteEndElement();
    }

    private static void StartRow(System.Xml.XmlWriter xml, int row)
    {
        xml.WriteStartElement("row", SheetNamespace);
        xml.WriteStartAttribute("r");
        xml.WriteValue(row);
        xml.WriteEndAttribute();
    }

    /// <summary>The cell as <see cref="Cell"/> would write it: <c>&lt;c r s t&gt;</c> with a value, or an inline string.</summary>
    private static void WriteCell(System.Xml.XmlWriter xml, string letter, int row, CellContent content)
    {
        xml.WriteStartElement("c", SheetNamespace);
        xml.WriteStartAttribute("r");
        xml.WriteString(letter);
        xml.WriteValue(row);
        xml.WriteEndAttribute();
        if (content.Style != 0)
        {
            xml.WriteStartAttribute("s");
            xml.WriteValue(content.Style);
            xml.WriteEndAttribute();
        }
        if (content.Number is { } number)
        {
            xml.WriteStartElement("v", SheetNamespace);
            xml.WriteString(number.ToString(System.Globalization.CultureInfo.InvariantCulture));
            xml.WriteEndElement();
        }
        else
        {
            xml.WriteAttributeString("t", "inlineStr");
            xml.WriteStartElement("is", SheetNamespace);
            xml.WriteStartElement("t", SheetNamespace);
            xml.WriteAttributeString("xml", "space", null, "preserve");
            xml.WriteString(ReportValues.Inert(content.Text!));
            xml.WriteEndElement();
            xml.WriteEndElement();
        }
        xml.WriteEndElement();
    }

    /// <summary>A text cell; text that starts like a formula gets an apostrophe (<see cref="ReportValues.Inert"/>), as in the CSV.</summary>
    private static Cell TextCell(int column, int row, string text, uint style = 0) =>
        new(new InlineString(new Text(ReportValues.Inert(text)) { Space = SpaceProcessingModeValues.Preserve }))
        {
            CellReference = Reference(column, row), DataType = CellValues.InlineString, StyleIndex = style == 0 ? null : style,
        };

    private static Cell? ValueCell(int column, int row, object? value, ColumnKind kind) => Content(value, kind) switch
    {
        null => null,
        { Number: { } number } c => NumberCell(column, row, number, c.Style),
        { } c => TextCell(column, row, c.Text!, c.Style),
    };

    /// <summary>What a cell holds: a number with its style, or text.</summary>
    private readonly record struct CellContent(double? Number, string? Text, uint Style);

    /// <summary>Days and times are date cells, finite numbers numeric cells styled by their kind, anything else text; null is no cell.</summary>
    private static CellContent? Content(object? value, ColumnKind kind)
    {
        if (value is null) return null;
        if (value is DateOnly day) return new CellContent(day.ToDateTime(TimeOnly.MinValue).ToOADate(), null, StyleDate);
        if (value is DateTime time) return new CellContent(time.ToOADate(), null, StyleDateTime);
        if (ReportValues.Number(value) is { } number && double.IsFinite(number))
        {
            uint style = kind switch
            {
                ColumnKind.Integer => StyleInteger,
                ColumnKind.Percent => StylePercent,
                ColumnKind.Seconds => StyleSeconds,
                ColumnKind.Money or ColumnKind.Decimal => StyleMoney,
                _ => 0,
            };
            return new CellContent(number, null, style);
        }
        return new CellContent(null, ReportValues.Text(value), 0);
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

    /// <summary>A line chart on the summary sheet below the figures: one series per column, the dates on the category axis.</summary>
    private static void AddChart(WorksheetPart host, ReportDocument doc, ReportTable table, IReadOnlyList<object?[]> rows, string sheet, int atRow)
    {
        var series = doc.ChartLines;
        var drawings = host.AddNewPart<DrawingsPart>();
        host.Worksheet.Append(new Drawing { Id = host.GetIdOfPart(drawings) });
        drawings.WorksheetDrawing = new Xdr.WorksheetDrawing();
        var chartPart = drawings.AddNewPart<ChartPart>();
        int last = rows.Count + 1;
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
            var values = new C.NumberingCache(new C.FormatCode("General"), new C.PointCount { Val = (uint)rows.Count });
            var dates = new C.NumberingCache(new C.FormatCode(DateFormat(rows)), new C.PointCount { Val = (uint)rows.Count });
            for (int i = 0; i < rows.Count; i++)
            {
                if (ReportValues.Number(rows[i][col]) is { } v)
                    values.Append(new C.NumericPoint(new C.NumericValue(v.ToString(System.Globalization.CultureInfo.InvariantCulture))) { Index = (uint)i });
                if (OADate(rows[i][0]) is { } d)
                    dates.Append(new C.NumericPoint(new C.NumericValue(d.ToString(System.Globalization.CultureInfo.InvariantCulture))) { Index = (uint)i });
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
                new C.NumberingFormat { FormatCode = DateFormat(rows), SourceLinked = false },
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
                new Xdr.NonVisualGraphicFrameProperties(new Xdr.NonVisualDrawingProperties { Id = 2U, Name = "Chart" },
                    new Xdr.NonVisualGraphicFrameDrawingProperties()),
                new Xdr.Transform(new A.Offset { X = 0, Y = 0 }, new A.Extents { Cx = 0, Cy = 0 }),
                new A.Graphic(new A.GraphicData(new C.ChartReference { Id = drawings.GetIdOfPart(chartPart) })
                    { Uri = "http://schemas.openxmlformats.org/drawingml/2006/chart" })) { Macro = "" },
            new Xdr.ClientData()) { EditAs = Xdr.EditAsValues.OneCell });
        drawings.WorksheetDrawing.Save();
    }

    private static double? OADate(object? value) => value switch
    {
        DateOnly d => d.ToDateTime(TimeOnly.MinValue).ToOADate(),
        DateTime t => t.ToOADate(),
        _ => null,
    };

    private static string DateFormat(IReadOnlyList<object?[]> rows) => rows.Count > 0 && rows[0][0] is DateTime ? "yyyy-mm-dd hh:mm" : "yyyy-mm-dd";
}
