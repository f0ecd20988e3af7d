using System.Text.Json;

namespace Herald.Reports;

/// <summary>
/// Seed 003's daily and weekly reports (<see cref="PerformanceReports"/>) as report documents, so they can be written in
/// every format and mailed on a schedule. The JSON answer is laid out as it is: its figures (nested objects flattened,
/// <c>summary.delivery_rate</c> becomes <c>delivery_rate</c>) are the summary, and each list is a table (a list of texts
/// a one-column table), so a field added to those reports appears in the files too.
/// </summary>
public sealed class PerformanceReportDocuments(PerformanceReports performance)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public ReportDocument Daily(string id, ReportRequest request, string team, DateTimeOffset generatedAt)
    {
        var date = request.StartDate!.Value;
        var report = JsonSerializer.SerializeToElement(performance.Daily(request.TeamId, date), Json);
        return Document(id, request, team, generatedAt, $"Daily performance report: {date:yyyy-MM-dd}", report, date, date,
            "Seed 003's daily performance report (GET /api/v1/reports/daily): messages sent are the team's outbound items of the UTC day.");
    }

    public ReportDocument Weekly(string id, ReportRequest request, string team, DateTimeOffset generatedAt)
    {
        var monday = request.StartDate!.Value;
        var report = JsonSerializer.SerializeToElement(performance.Weekly(request.TeamId, monday), Json);
        return Document(id, request, team, generatedAt, $"Weekly analytics summary: {monday:yyyy-MM-dd} to {monday.AddDays(6):yyyy-MM-dd}", report,
            monday, monday.AddDays(6), "Seed 003's weekly analytics summary (GET /api/v1/reports/weekly): an ISO week, Monday to Sunday, against the week before.");
    }

    private static ReportDocument Document(
        string id, ReportRequest request, string team, DateTimeOffset generatedAt, string title, JsonElement report, DateOnly start, DateOnly end, string note)
    {
        var summary = new List<ReportKpi>();
        var tables = new List<ReportTable>();
        Flatten(report, "", summary, tables);
        return new ReportDocument
        {
            Id = id, Type = request.Type, Title = title, Team = team, StartDate = start, EndDate = end, GeneratedAt = generatedAt,
            Parameters = request.Describe(), Summary = summary, Tables = tables, Notes = [note],
        };
    }

    private static void Flatten(JsonElement element, string prefix, List<ReportKpi> summary, List<ReportTable> tables)
    {
        foreach (var property in element.EnumerateObject())
        {
            string name = property.Name;
            switch (property.Value.ValueKind)
            {
                case JsonValueKind.Object:
                    Flatten(property.Value, prefix, summary, tables);
                    break;
                case JsonValueKind.Array:
                    tables.Add(Table(name, property.Value));
                    break;
                default:
                    var (value, kind) = Value(property.Value, name);
                    summary.Add(new ReportKpi(prefix + name, Label(name), value, kind));
                    break;
            }
        }
    }

    /// <summary>A list of objects: one column per property of the first; a list of values: one column.</summary>
    private static ReportTable Table(string name, JsonElement array)
    {
        var items = array.EnumerateArray().ToList();
        if (items.Count > 0 && items[0].ValueKind == JsonValueKind.Object)
        {
            var columns = items[0].EnumerateObject().Select(p => new ReportColumn(p.Name, Label(p.Name), Value(p.Value, p.Name).Kind)).ToList();
            var rows = items.Select(item => columns.Select(c => item.TryGetProperty(c.Name, out var v) ? Value(v, c.Name).Value : null).ToArray()).ToList();
            return new ReportTable(name, Label(name), columns, rows);
        }
        string single = name.EndsWith('s') ? name[..^1] : name;
        return new ReportTable(name, Label(name), [new ReportColumn(single, Label(single), ColumnKind.Text)],
            items.Select(v => new object?[] { Value(v, single).Value }).ToList());
    }

    private static (object? Value, ColumnKind Kind) Value(JsonElement v, string name) => v.ValueKind switch
    {
        JsonValueKind.Number when v.TryGetInt64(out long l) && !name.Contains("rate", StringComparison.Ordinal) => (l, ColumnKind.Integer),
        JsonValueKind.Number => (v.GetDouble(), name.Contains("rate", StringComparison.Ordinal) ? ColumnKind.Percent : ColumnKind.Decimal),
        JsonValueKind.String => (v.GetString(), ColumnKind.Text),
        JsonValueKind.True or JsonValueKind.False => (v.GetBoolean() ? "yes" : "no", ColumnKind.Text),
        _ => (null, ColumnKind.Text),
    };

    private static string Label(string name)
    {
        var text = name.Replace('_', ' ');
        return char.ToUpperInvariant(text[0]) + text[1..];
    }
}
