using System.Text;
using System.Text.Json;
using CsvHelper;

namespace Herald.Reports.Writers;

/// <summary>
/// Writes one table to a stream row by row as the rows come, for tables too long to hold (item exports, the message report's
/// messages): the header when opened, the end of the file when disposed. Nothing is kept but a buffer, so a caller that
/// writes to a network stream decides when to flush.
/// </summary>
public interface ITableRowWriter : IDisposable
{
    void Write(object?[] values);
}

public static class TableRowWriters
{
    public const string Csv = "csv";
    public const string Ndjson = "ndjson";
    public const string Xlsx = "xlsx";

    public static ITableRowWriter Open(string format, Stream output, IReadOnlyList<ReportColumn> columns, string sheetName) => format switch
    {
        Csv => new CsvTableWriter(output, columns),
        Ndjson => new NdjsonTableWriter(output, columns),
        Xlsx => XlsxReportWriter.OpenRows(sheetName, columns, output),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "csv, ndjson or xlsx"),
    };

    public static string ContentType(string format) => format switch
    {
        Csv => "text/csv; charset=utf-8",
        Ndjson => "application/x-ndjson; charset=utf-8",
        _ => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    };
}

/// <summary>
/// CSV as the reports write it (RFC 4180 quoting, UTF-8 without BOM, CRLF): a header row of the column names, then one
/// record per row; text a spreadsheet would run as a formula starts with an apostrophe (<see cref="ReportValues.Inert"/>).
/// </summary>
public sealed class CsvTableWriter : ITableRowWriter
{
    private readonly StreamWriter _writer;
    private readonly CsvWriter _csv;
    private readonly string[] _fields;

    public CsvTableWriter(Stream output, IReadOnlyList<ReportColumn> columns)
    {
        _writer = new StreamWriter(output, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\r\n" };
        _csv = CsvWriter.Create(_writer, new CsvWriterOptions { NewLine = "\r\n", ValidateFieldCount = false }, leaveOpen: true);
        _fields = new string[columns.Count];
        _csv.WriteRecord(columns.Select(c => c.Name).ToArray());
    }

    public void Write(object?[] values)
    {
        for (int i = 0; i < _fields.Length; i++) _fields[i] = ReportValues.CellText(values[i]);
        _csv.WriteRecord(_fields);
    }

    public void Dispose()
    {
        _csv.Flush();
        _writer.Flush();
        _csv.Dispose();
        _writer.Dispose();
    }
}

/// <summary>One JSON object per line (newline-delimited JSON), keyed by the column names; numbers stay numbers, a missing value is null.</summary>
public sealed class NdjsonTableWriter(Stream output, IReadOnlyList<ReportColumn> columns) : ITableRowWriter
{
    private readonly Utf8JsonWriter _json = new(output);
    private readonly JsonEncodedText[] _names = columns.Select(c => JsonEncodedText.Encode(c.Name)).ToArray();

    public void Write(object?[] values)
    {
        _json.WriteStartObject();
        for (int i = 0; i < _names.Length; i++) JsonReportWriter.WriteValue(_json, _names[i], values[i]);
        _json.WriteEndObject();
        _json.Flush();
        _json.Reset();
        output.WriteByte((byte)'\n');
    }

    public void Dispose() => _json.Dispose();
}
