namespace Herald.Reports;

/// <summary>How a column's values are typed and shown (numbers stay numbers in every format).</summary>
public enum ColumnKind
{
    Text,
    /// <summary>A UTC day, held as <see cref="DateOnly"/>; an Excel date, <c>yyyy-MM-dd</c> elsewhere.</summary>
    Date,
    /// <summary>A UTC time to the minute, held as a UTC <see cref="DateTime"/>; an Excel date-time, <c>yyyy-MM-ddTHH:mmZ</c> elsewhere.</summary>
    Timestamp,
    Integer,
    /// <summary>A percentage as a number from 0 to 100 (97.1 means 97.1 %).</summary>
    Percent,
    Seconds,
    Money,
    Decimal,
}

public sealed record ReportColumn(string Name, string Header, ColumnKind Kind);

/// <summary>One table of a report: a sheet in Excel, a section in CSV, an array of objects in JSON, a table in PDF.</summary>
public sealed record ReportTable(string Name, string Title, IReadOnlyList<ReportColumn> Columns, IReadOnlyList<object?[]> Rows)
{
    public int IndexOf(string column)
    {
        for (int i = 0; i < Columns.Count; i++)
            if (Columns[i].Name == column) return i;
        return -1;
    }
}

/// <summary>
/// A table listed row by row after the others (the message report's messages), too long to hold: <see cref="Rows"/> reads
/// it while the report is written, once per format. The PDF lists the first <see cref="PdfRows"/> rows in the
/// <see cref="PdfColumns"/> and says how many more there are.
/// </summary>
public sealed record ReportDetail(string Name, string Title, IReadOnlyList<ReportColumn> Columns, Func<IEnumerable<object?[]>> Rows,
    IReadOnlyList<string> PdfColumns, string PdfNote)
{
    public const int PdfRows = 1_000;
}

/// <summary>One figure of the summary (seed 004's <c>summary</c>: total_messages, delivered, failed, delivery_rate, ...).</summary>
public sealed record ReportKpi(string Name, string Label, object? Value, ColumnKind Kind);

/// <summary>
/// A report's content, independent of its format: title, period, summary figures, tables, and which columns of which
/// table the daily volume chart draws. The writers (<see cref="Writers"/>) turn it into CSV, JSON, Excel or PDF.
/// </summary>
public sealed class ReportDocument
{
    public required string Id { get; init; }
    public required string Type { get; init; }
    public required string Title { get; init; }
    public required string Team { get; init; }
    public DateOnly? StartDate { get; init; }
    public DateOnly? EndDate { get; init; }
    public required DateTimeOffset GeneratedAt { get; init; }
    public required IReadOnlyDictionary<string, string> Parameters { get; init; }
    public required IReadOnlyList<ReportKpi> Summary { get; init; }
    public required IReadOnlyList<ReportTable> Tables { get; init; }
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>Rows listed one by one after the tables, when the request asked for them (<c>detail=items</c>).</summary>
    public ReportDetail? Detail { get; init; }

    /// <summary>The table whose rows the chart draws (one point per row, the first column on the x axis).</summary>
    public string ChartTable { get; init; } = "daily";

    /// <summary>The chart's title and what its y axis counts.</summary>
    public string ChartTitle { get; init; } = "Daily volume (items by UTC day of their earliest event)";

    public string ChartUnit { get; init; } = "items";

    /// <summary>The columns of <see cref="ChartTable"/> the PDF stacks in its bars (their sum is the day's total).</summary>
    public IReadOnlyList<string> ChartStack { get; init; } = ["delivered", "failed", "pending"];

    /// <summary>The columns of <see cref="ChartTable"/> the Excel line chart draws.</summary>
    public IReadOnlyList<string> ChartLines { get; init; } = ["total", "delivered", "failed"];

    public ReportTable? Table(string name) => Tables.FirstOrDefault(t => t.Name == name);

    public string PeriodText => StartDate is { } s && EndDate is { } e
        ? $"{s:yyyy-MM-dd} to {e:yyyy-MM-dd} (UTC days, inclusive)"
        : "whole history";
}
