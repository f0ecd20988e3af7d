using System.Globalization;

namespace Herald.Reports.Writers;

/// <summary>How a cell value reads as text (CSV, PDF): invariant culture, dates as yyyy-MM-dd, null as empty.</summary>
internal static partial class ReportValues
{
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
    /// A signed plain number (a recipient in E.164, <c>+447700900123</c>) stays as it is: a spreadsheet reads it as a number,
    /// never a formula, and the apostrophe would spoil every phone number of an export.
    /// </summary>
    public static string Inert(string text) =>
        text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r' && !SignedNumber().IsMatch(text) ? "'" + text : text;

    [System.Text.RegularExpressions.GeneratedRegex(@"^[+-][0-9]+(\.[0-9]+)?\z")]
    private static partial System.Text.RegularExpressions.Regex SignedNumber();

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

    /// <summary>Kinds shown as text, left-aligned (days and times too); the others are numbers, right-aligned.</summary>
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
