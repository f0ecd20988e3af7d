using System.Text.Json;

namespace Herald.Reports.Writers;

/// <summary>
/// The report as one JSON object: <c>report_id</c>, <c>report_type</c>, <c>title</c>, <c>team</c>, <c>period</c>
/// (<c>start_date</c>, <c>end_date</c>), <c>generated_at</c>, <c>parameters</c>, <c>summary</c> (name → value), then one
/// array of row objects per table under the table's name (<c>daily</c>, <c>by_channel</c>, ...), the detail's rows when asked
/// for (<c>messages</c>), and <c>notes</c>.
/// </summary>
public static class JsonReportWriter
{
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
            }
            w.WriteEndArray();
        }
        if (doc.Detail is { } detail) WriteDetail(w, detail);
        w.WriteStartArray("notes");
        foreach (var n in doc.Notes) w.WriteStringValue(n);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>The detail's rows as they are read, flushed to the stream every so often so the writer's buffer stays small.</summary>
    private static void WriteDetail(Utf8JsonWriter w, ReportDetail detail)
    {
        var names = detail.Columns.Select(c => JsonEncodedText.Encode(c.Name)).ToArray();
        w.WriteStartArray(detail.Name);
        long n = 0;
        foreach (var row in detail.Rows())
        {
            w.WriteStartObject();
            for (int i = 0; i < names.Length; i++) WriteValue(w, names[i], row[i]);
            w.WriteEndObject();
            if (++n % 1000 == 0) w.Flush();
        }
        w.WriteEndArray();
    }

    private static void WriteValue(Utf8JsonWriter w, string name, object? value) => WriteValue(w, JsonEncodedText.Encode(name), value);

    /// <summary>A cell's value as a JSON property: numbers as numbers, days as yyyy-MM-dd, the rest as text.</summary>
    internal static void WriteValue(Utf8JsonWriter w, JsonEncodedText name, object? value)
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
