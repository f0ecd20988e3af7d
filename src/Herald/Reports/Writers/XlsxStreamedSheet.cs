using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Xml.Linq;

namespace Herald.Reports.Writers;

/// <summary>
/// A workbook whose one long sheet is written row by row: the workbook's other parts come from a small template package
/// (made with OpenXml in memory, where the sheet is empty) and are copied into the output zip, then the sheet's XML is
/// written straight into its zip entry as rows come (inline strings, no shared-string table), so memory stays flat. Past
/// Excel's 1,048,576 rows a sheet continues on the next (<c>Name (2)</c>, ...), added to the workbook's part list at the end.
/// </summary>
internal sealed class XlsxStreamedSheet : ITableRowWriter
{
    private const string Main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    private const string RelationshipsNs = "http://schemas.openxmlformats.org/package/2006/relationships";
    private const string OfficeRelationshipsNs = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    private const string ContentTypesNs = "http://schemas.openxmlformats.org/package/2006/content-types";
    private const string WorksheetType = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet";
    private const string WorksheetContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml";
    private const string WorkbookEntry = "xl/workbook.xml", WorkbookRelsEntry = "xl/_rels/workbook.xml.rels", ContentTypesEntry = "[Content_Types].xml";

    private readonly ZipArchive _target;
    private readonly IReadOnlyList<ReportColumn> _columns;
    private readonly string[] _cellStart;
    private readonly string _sheetEntry;
    private readonly string _sheetName;
    private readonly Dictionary<string, string> _listings = new(StringComparer.Ordinal);
    private readonly List<string> _continuations = [];
    private readonly int _rowsPerSheet;
    private StreamWriter _xml;
    private int _row;

    /// <param name="template">The workbook package, with an empty sheet at <paramref name="sheetEntry"/> named <paramref name="sheetName"/>.</param>
    /// <param name="rowsPerSheet">Rows a sheet holds, its header row included.</param>
    public XlsxStreamedSheet(Stream template, string sheetEntry, string sheetName, Stream output, IReadOnlyList<ReportColumn> columns,
        int rowsPerSheet = XlsxReportWriter.ExcelMaxRows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rowsPerSheet, 2);
        _rowsPerSheet = rowsPerSheet;
        _columns = columns;
        _sheetEntry = sheetEntry;
        _sheetName = sheetName;
        _cellStart = columns.Select(c => XlsxReportWriter.StyleOf(c.Kind) is var s and > 0 ? $"<c s=\"{s}\"" : "<c").ToArray();
        _target = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        using (var source = new ZipArchive(template, ZipArchiveMode.Read))
        {
            foreach (var entry in source.Entries)
            {
                if (entry.FullName == sheetEntry) continue;
                using var from = entry.Open();
                if (entry.FullName is WorkbookEntry or WorkbookRelsEntry or ContentTypesEntry)
                {
                    using var reader = new StreamReader(from);
                    _listings[entry.FullName] = reader.ReadToEnd(); // written at the end, with any continued sheets
                    continue;
                }
                using var to = _target.CreateEntry(entry.FullName, CompressionLevel.Fastest).Open();
                from.CopyTo(to);
            }
        }
        _xml = StartSheet(sheetEntry);
    }

    public void Write(object?[] values)
    {
        if (_row == _rowsPerSheet)
        {
            EndSheet();
            string next = $"xl/worksheets/continued{_continuations.Count + 2}.xml";
            _continuations.Add(next);
            _xml = StartSheet(next);
        }
        var x = _xml;
        x.Write("<row r=\"");
        x.Write((++_row).ToString(CultureInfo.InvariantCulture));
        x.Write("\">");
        for (int i = 0; i < _columns.Count; i++)
        {
            object? value = values[i];
            // Cells carry no reference (r): each is the next column, so a missing value is an empty cell, not a gap.
            if (value is null) x.Write("<c/>");
            else if (ReportValues.Number(value) is { } number && double.IsFinite(number))
            {
                x.Write(_cellStart[i]);
                x.Write("><v>");
                x.Write(number.ToString("R", CultureInfo.InvariantCulture));
                x.Write("</v></c>");
            }
            else
            {
                x.Write("<c t=\"inlineStr\"><is>");
                Text(x, ReportValues.CellText(value));
                x.Write("</is></c>");
            }
        }
        x.Write("</row>");
    }

    private StreamWriter StartSheet(string entryName)
    {
        var writer = new StreamWriter(_target.CreateEntry(entryName, CompressionLevel.Fastest).Open(), new UTF8Encoding(false), 1 << 16);
        writer.Write("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet xmlns=\"" + Main + "\">");
        writer.Write("<sheetViews><sheetView workbookViewId=\"0\"><pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/></sheetView></sheetViews><cols>");
        for (int c = 0; c < _columns.Count; c++)
        {
            int width = Math.Clamp(Math.Max(_columns[c].Header.Length + 2, _columns[c].Kind == ColumnKind.Text ? 16 : 12), 8, 40);
            writer.Write($"<col min=\"{c + 1}\" max=\"{c + 1}\" width=\"{width}\" customWidth=\"1\"/>");
        }
        writer.Write("</cols><sheetData><row r=\"1\">");
        foreach (var column in _columns)
        {
            writer.Write($"<c t=\"inlineStr\" s=\"{XlsxReportWriter.BoldStyle}\"><is>");
            Text(writer, column.Header);
            writer.Write("</is></c>");
        }
        writer.Write("</row>");
        _row = 1;
        return writer;
    }

    private void EndSheet()
    {
        _xml.Write("</sheetData></worksheet>");
        _xml.Dispose();
    }

    /// <summary>An inline string's text element, XML-escaped; characters XML cannot carry become U+FFFD.</summary>
    private static void Text(StreamWriter x, string text)
    {
        x.Write(text.Length > 0 && (char.IsWhiteSpace(text[0]) || char.IsWhiteSpace(text[^1])) ? "<t xml:space=\"preserve\">" : "<t>");
        int start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char ch = text[i];
            string? escape = ch switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                _ when ch < ' ' && ch is not ('\t' or '\n' or '\r') => "\uFFFD",
                _ when char.IsSurrogate(ch) && !(char.IsHighSurrogate(ch) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                                           && !(char.IsLowSurrogate(ch) && i > 0 && char.IsHighSurrogate(text[i - 1])) => "\uFFFD",
                '\uFFFE' or '\uFFFF' => "\uFFFD",
                _ => null,
            };
            if (escape is null) continue;
            x.Write(text.AsSpan(start, i - start));
            x.Write(escape);
            start = i + 1;
        }
        x.Write(text.AsSpan(start));
        x.Write("</t>");
    }

    public void Dispose()
    {
        EndSheet();
        if (_continuations.Count > 0) AddContinuations();
        foreach (var (name, xml) in _listings)
        {
            using var writer = new StreamWriter(_target.CreateEntry(name, CompressionLevel.Fastest).Open(), new UTF8Encoding(false));
            writer.Write(xml);
        }
        _target.Dispose();
    }

    /// <summary>Names the continued sheets in the workbook, its relationships and the content types, after the first sheet.</summary>
    private void AddContinuations()
    {
        var workbook = XDocument.Parse(_listings[WorkbookEntry]);
        var rels = XDocument.Parse(_listings[WorkbookRelsEntry]);
        var types = XDocument.Parse(_listings[ContentTypesEntry]);
        XNamespace main = Main, r = OfficeRelationshipsNs, relNs = RelationshipsNs, typesNs = ContentTypesNs;
        string target = _sheetEntry["xl/".Length..];
        string firstId = rels.Root!.Elements(relNs + "Relationship").First(e => (string?)e.Attribute("Target") is { } t && t.TrimStart('/').EndsWith(target, StringComparison.Ordinal))
            .Attribute("Id")!.Value;
        var sheets = workbook.Root!.Element(main + "sheets")!;
        var after = sheets.Elements(main + "sheet").First(s => s.Attribute(r + "id")?.Value == firstId);
        uint sheetId = sheets.Elements(main + "sheet").Max(s => uint.Parse(s.Attribute("sheetId")!.Value, CultureInfo.InvariantCulture));
        string stem = _sheetName.Length > 25 ? _sheetName[..25] : _sheetName;
        for (int i = 0; i < _continuations.Count; i++)
        {
            string id = $"rIdContinued{i + 2}";
            rels.Root.Add(new XElement(relNs + "Relationship", new XAttribute("Id", id), new XAttribute("Type", WorksheetType),
                new XAttribute("Target", _continuations[i]["xl/".Length..])));
            types.Root!.Add(new XElement(typesNs + "Override", new XAttribute("PartName", "/" + _continuations[i]), new XAttribute("ContentType", WorksheetContentType)));
            var sheet = new XElement(main + "sheet", new XAttribute("name", $"{stem} ({i + 2})"), new XAttribute("sheetId", ++sheetId), new XAttribute(r + "id", id));
            after.AddAfterSelf(sheet);
            after = sheet;
        }
        _listings[WorkbookEntry] = workbook.Declaration + workbook.ToString(SaveOptions.DisableFormatting);
        _listings[WorkbookRelsEntry] = rels.Declaration + rels.ToString(SaveOptions.DisableFormatting);
        _listings[ContentTypesEntry] = types.Declaration + types.ToString(SaveOptions.DisableFormatting);
    }
}
