using System.Text.Json;

namespace Herald.Reports.Writers;

/// <summary>
/// The report as one JSON object: <c>report_id</c>, <c>report_type</c>, <c>title</c>, <c>team</c>, <c>period</c>
/// (<c>start_date</c>, <c>end_date</c>), <c>generated_at</c>, <c>parameters</c>, <c>summary</c> (name → value), then one
/// array of row objects per table under the table's name (<c>daily</c>, <c>by_channel</c>, ...), and <c>notes</c>.
/// </summary>
public static class JsonReportWriter
{
    private const int FlushBytes = 64 * 1024;

    public static void Write(ReportDocument doc, Stream output)
    {
        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("report_id", doc.Id);
        w.WriteString("report_type", doc.Type);
        w.WriteString("title", doc.Title);
        w.WriteString("team", doc.Team);
        w.WriteStartObject("period");
        WriteValue(w, "start_date", doc.StartDate);
        WriteValue(w, "end_date", doc.EndDate);
        w.WriteEndObject();
        w.WriteString("generated_at", doc.GeneratedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        w.WriteStartObject("parameters");
        foreach (var (k, v) in doc.Parameters) w.WriteString(k, v);
        w.WriteEndObject();
        w.WriteStartObject("summary");
        foreach (var k in doc.Summary) WriteValue(w, k.Name, k.Value);
        w.WriteEndObject();
        foreach (var table in doc.Tables)
        {
            w.WriteStartArray(table.Name);
            foreach (var row in table.Rows)
            {
                w.WriteStartObject();
                for (int i = 0; i < table.Columns.Count; i++) WriteValue(w, table.Columns[i].Name, row[i]);
                w.WriteEndObject();
                // The writer buffers until flushed: flushing as it fills keeps a long table out of memory.
                if (w.BytesPending > FlushBytes) w.Flush();
            }
            w.WriteEndArray();
        }
        w.WriteStartArray("notes");
        foreach (var n in doc.Notes) w.WriteStringValue(n);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter w, string name, object? value)
    {
        switch (value)
        {
            case null: w.WriteNull(name); break;
            case long l: w.WriteNumber(name, l); break;
            case int i: w.WriteNumber(name, i); break;
            case double d when double.IsFinite(d): w.WriteNumber(name, d); break;
            case double: w.WriteNull(name); break;
            case bool b: w.WriteBoolean(name, b); break;
            case DateOnly or DateTime: w.WriteString(name, ReportValues.Text(value)); break;
            default: w.WriteString(name, value.ToString()); break;
        }
    }
}
