using System.Text.Json;

namespace Herald.Reports;

public static class ReportTypes
{
    public const string Messages = "messages";
    public const string Campaign = "campaign";
    public const string AccountUsage = "account_usage";
    /// <summary>The Herald process's utilization over UTC days (seed 004's system utilization report).</summary>
    public const string System = "system";
    /// <summary>Seed 003's daily performance report of one UTC day, as a file.</summary>
    public const string Daily = "daily";
    /// <summary>Seed 003's weekly analytics summary of one ISO week, as a file.</summary>
    public const string Weekly = "weekly";

    public static readonly string[] All = [Messages, Campaign, AccountUsage, System, Daily, Weekly];

    /// <summary>The prefix of a report id (seed 004: <c>MSG_20250115_103045</c>).</summary>
    public static string IdPrefix(string type) => type switch
    {
        Messages => "MSG",
        Campaign => "CMP",
        System => "SYS",
        Daily => "DLY",
        Weekly => "WKY",
        _ => "ACC",
    };

    public static string FileStem(string type) => type switch
    {
        Messages => "message_report",
        Campaign => "campaign_report",
        System => "system_report",
        Daily => "daily_report",
        Weekly => "weekly_report",
        _ => "account_usage_report",
    };
}

public static class ReportFormats
{
    public const string Csv = "csv";
    public const string Json = "json";
    public const string Excel = "excel";
    public const string Pdf = "pdf";

    public static readonly string[] All = [Csv, Json, Excel, Pdf];

    public static string Extension(string format) => format switch
    {
        Csv => "csv",
        Json => "json",
        Excel => "xlsx",
        _ => "pdf",
    };

    /// <summary>The content type of a report's file: its format's, or a ZIP's for a <c>.zip</c> (a CSV report with its detail).</summary>
    public static string ContentTypeOf(string format, string fileName) =>
        fileName.EndsWith(".zip", StringComparison.OrdinalIgnoreCase) ? "application/zip" : ContentType(format);

    public static string ContentType(string format) => format switch
    {
        Csv => "text/csv; charset=utf-8",
        Json => "application/json; charset=utf-8",
        Excel => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/pdf",
    };

    /// <summary>The format named by <paramref name="value"/>; <c>xlsx</c> is taken for excel.</summary>
    public static string? Parse(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "csv" => Csv,
        "json" => Json,
        "excel" or "xlsx" => Excel,
        "pdf" => Pdf,
        _ => null,
    };
}

/// <summary>What to report on: the type's subject (campaign, account), the UTC days and the filters. Stored as the row's params.</summary>
public sealed record ReportRequest(
    string Type, string Format, int TeamId, DateOnly? StartDate, DateOnly? EndDate, string? AccountId = null, string? CampaignId = null,
    IReadOnlyList<string>? Statuses = null, string? Detail = null)
{
    /// <summary>The <c>detail</c> value that lists every item of a message report.</summary>
    public const string ItemsDetail = "items";

    /// <summary>The file's extension: a CSV report with a detail is one ZIP of two CSV files.</summary>
    public string FileExtension => Format == ReportFormats.Csv && Detail is not null ? "zip" : ReportFormats.Extension(Format);

    public string ToJson()
    {
        var map = new SortedDictionary<string, object?>(StringComparer.Ordinal);
        if (StartDate is { } s) map["start_date"] = s.ToString("yyyy-MM-dd");
        if (EndDate is { } e) map["end_date"] = e.ToString("yyyy-MM-dd");
        if (AccountId is not null) map["account_id"] = AccountId;
        if (CampaignId is not null) map["campaign_id"] = CampaignId;
        if (Statuses is { Count: > 0 }) map["status"] = string.Join(",", Statuses);
        if (Detail is not null) map["detail"] = Detail;
        map["format"] = Format;
        return JsonSerializer.Serialize(map);
    }

    public IReadOnlyDictionary<string, string> Describe()
    {
        var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
        using var doc = JsonDocument.Parse(ToJson());
        foreach (var p in doc.RootElement.EnumerateObject()) map[p.Name] = p.Value.GetString() ?? "";
        return map;
    }
}
