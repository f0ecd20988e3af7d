using System.Globalization;

namespace Herald.Reports.Writers;

/// <summary>How a cell value reads as text (CSV, PDF): invariant culture, dates as yyyy-MM-dd, null as empty.</summary>
public static class ReportValues
{
    /// <summary>How many first rows of a table size its columns in Excel and PDF (the only rows a writer holds).</summary>
    public const int SizingRows = 1000;

    public static string Text(object? value) => value switch
    {
        null => "",
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime t => t.ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture),
        double x => x.ToString("0.######", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>A value as a spreadsheet cell's text (CSV, Excel): <see cref="Text"/>, with text made <see cref="Inert"/>; numbers stay numbers.</summary>
    public static string CellText(object? value) => value is string s ? Inert(s) : Text(value);

    /// <summary>
    /// Text a spreadsheet will not run as a formula: a cell starting with = + - @, tab or CR gets a leading apostrophe
    /// (OWASP, CSV injection). Provider names, error codes and campaign ids come from clients and webhook query parameters.
    /// </summary>
    public static string Inert(string text) => text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + text : text;

    /// <summary>A value for people (PDF): thousands separators, 2 decimals for rates, 3 for seconds, 4 for money.</summary>
    public static string Display(object? value, ColumnKind kind) => value switch
    {
        null => "–",
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime t => t.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
        long or int when kind == ColumnKind.Integer => Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString("#,##0", CultureInfo.InvariantCulture),
        double x => kind switch
        {
            ColumnKind.Percent => x.ToString("0.00", CultureInfo.InvariantCulture),
            ColumnKind.Seconds => x.ToString("0.000", CultureInfo.InvariantCulture),
            ColumnKind.Money => x.ToString("#,##0.0000", CultureInfo.InvariantCulture),
            _ => x.ToString("#,##0.####", CultureInfo.InvariantCulture),
        },
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>The first <see cref="SizingRows"/> rows, held, and the whole table as one pass that replays them first.</summary>
    public static (List<object?[]> Head, IEnumerable<object?[]> All) Sized(IEnumerable<object?[]> rows)
    {
        var enumerator = rows.GetEnumerator();
        var head = new List<object?[]>();
        while (head.Count < SizingRows && enumerator.MoveNext()) head.Add(enumerator.Current);
        return (head, Replay(head, enumerator));
    }

    private static IEnumerable<object?[]> Replay(List<object?[]> head, IEnumerator<object?[]> rest)
    {
        using (rest)
        {
            foreach (var row in head) yield return row;
            while (rest.MoveNext()) yield return rest.Current;
        }
    }

    public static bool IsTextLike(ColumnKind kind) => kind is ColumnKind.Text or ColumnKind.Date or ColumnKind.Timestamp;

    public static double? Number(object? value) => value switch
    {
        null => null,
        long l => l,
        int i => i,
        double d => d,
        _ => null,
    };
}
