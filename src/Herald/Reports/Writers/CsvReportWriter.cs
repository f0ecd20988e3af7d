using System.Text;
using CsvHelper;

namespace Herald.Reports.Writers;

/// <summary>
/// One CSV file (RFC 4180 quoting, UTF-8 without BOM, CRLF) with a section per table: a comment line <c># name</c>, the
/// header row, the rows, then an empty line. The first section is <c>summary</c> (<c>metric,value</c>), then the tables in
/// report order (<c>daily</c> first). Numbers are plain invariant numbers, days yyyy-MM-dd, an empty field is no value, and
/// text that a spreadsheet would run as a formula starts with an apostrophe (<see cref="ReportValues.Inert"/>).
/// </summary>
public static class CsvReportWriter
{
    /// <summary>
    /// The CSV file; with a detail (the message report's messages), one ZIP instead holding <c>{fileStem}.csv</c> (the
    /// sections above) and <c>{fileStem}-{detail}.csv</c> (a header row of the detail's column names, then a row each).
    /// </summary>
    public static void Write(ReportDocument doc, Stream output, string fileStem)
    {
        if (doc.Detail is not { } detail)
        {
            Write(doc, output);
            return;
        }
        using var zip = new System.IO.Compression.ZipArchive(output, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true);
        using (var summary = zip.CreateEntry(fileStem + ".csv", System.IO.Compression.CompressionLevel.Fastest).Open())
            Write(doc, summary);
        using var rowsEntry = zip.CreateEntry($"{fileStem}-{detail.Name}.csv", System.IO.Compression.CompressionLevel.Fastest).Open();
        using var rows = new CsvTableWriter(rowsEntry, detail.Columns);
        foreach (var row in detail.Rows()) rows.Write(row);
    }

    public static void Write(ReportDocument doc, Stream output)
    {
        using var writer = new StreamWriter(output, new UTF8Encoding(false), leaveOpen: true) { NewLine = "\r\n" };
        using var csv = CsvWriter.Create(writer, new CsvWriterOptions { CommentPrefix = '#', NewLine = "\r\n", ValidateFieldCount = false }, leaveOpen: true);
        Section(csv, writer, "summary", ["metric", "value"], doc.Summary.Select(k => new[] { k.Name, ReportValues.CellText(k.Value) }));
        foreach (var table in doc.Tables)
            Section(csv, writer, table.Name, table.Columns.Select(c => c.Name).ToArray(), table.Rows.Select(r => r.Select(ReportValues.CellText).ToArray()));
        csv.Flush();
        writer.Flush();
    }

    private static void Section(CsvWriter csv, StreamWriter writer, string name, string[] header, IEnumerable<string[]> rows)
    {
        csv.WriteComment(" " + name);
        csv.WriteRecord(header);
        foreach (var row in rows) csv.WriteRecord(row);
        csv.Flush();
        writer.Write("\r\n"); // the empty line between sections (a CSV record cannot be empty)
    }
}
