using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Herald.Api.Parameters;
using Herald.Reports;
using Microsoft.AspNetCore.Mvc;

namespace Herald.Api.Reports;

public class ReportFormatParameters : OneTeamParameters
{
    [FromQuery(Name = "format"), Description("The file's format (any case; xlsx is excel). Default: json.")]
    [AllowedValuesIgnoringCase(ReportFormats.Csv, ReportFormats.Json, ReportFormats.Excel, "xlsx", ReportFormats.Pdf)]
    public string? Format { get; init; }

    public string FormatOrDefault() => Format is null ? ReportsEndpoints.DefaultFormat : ReportFormats.Parse(Format)!;
}

/// <summary>A report over UTC days: <c>start_date</c> to <c>end_date</c>, both included, at most <see cref="ReportBuilder.MaxDays"/>.</summary>
public class ReportPeriodParameters : ReportFormatParameters
{
    [FromQuery(Name = "start_date"), Description("The first UTC day, yyyy-MM-dd (required).")]
    public string? StartDate { get; init; }

    [FromQuery(Name = "end_date"), Description("The last UTC day, yyyy-MM-dd, included (required); at most 366 days after start_date.")]
    public string? EndDate { get; init; }

    public (DateOnly Start, DateOnly End) Period()
    {
        if (StartDate is null) throw new BadParameterException("start_date", "is required (yyyy-MM-dd, a UTC day)");
        if (EndDate is null) throw new BadParameterException("end_date", "is required (yyyy-MM-dd, a UTC day, inclusive)");
        var start = DayParameter.Parse("start_date", StartDate);
        var end = DayParameter.Parse("end_date", EndDate);
        if (start > end) throw new BadParameterException("start_date", "must not be after end_date");
        if (end.DayNumber - start.DayNumber + 1 > ReportBuilder.MaxDays)
            throw new BadParameterException("end_date", $"the period may span at most {ReportBuilder.MaxDays} days (end_date is inclusive)");
        return (start, end);
    }
}

public sealed class MessageReportParameters : ReportPeriodParameters
{
    [FromQuery(Name = "account_id"), Description("Only messages of this account.")]
    public string? AccountId { get; init; }

    [FromQuery(Name = "status"), Description("Only messages whose status is one of these status words (comma-separated): queued, sent, delivered, read, failed, undelivered, ...")]
    public string? Status { get; init; }

    [FromQuery(Name = "campaign_id"), Description("Only messages of this campaign.")]
    public string? CampaignId { get; init; }

    [FromQuery(Name = "detail"), Description("items: also one row per message, as the items API shows it (JSON messages, an Excel Messages sheet, a CSV report becomes a ZIP of the summary and the messages, the PDF lists the first 1,000).")]
    [AllowedValues(ReportRequest.ItemsDetail)]
    public string? Detail { get; init; }
}

public sealed class ReportListParameters : TeamParameters
{
    public const int DefaultLimit = 100;

    [FromQuery(Name = "type"), Description("Only reports of this type.")]
    [AllowedValues(ReportTypes.Messages, ReportTypes.Campaign, ReportTypes.AccountUsage, ReportTypes.System, ReportTypes.Daily, ReportTypes.Weekly)]
    public string? Type { get; init; }

    [FromQuery(Name = "limit"), Description("At most this many reports, newest first. Default: 100.")]
    [Range(1, ReportsEndpoints.MaxListed)]
    public int? Limit { get; init; }
}

public sealed class DailyReportParameters : OneTeamParameters
{
    [FromQuery(Name = "date"), Description("The UTC day, yyyy-MM-dd. Default: yesterday.")]
    public string? Date { get; init; }
}

public sealed class WeeklyReportParameters : OneTeamParameters
{
    [FromQuery(Name = "week"), Description("An ISO week like 2026-W47, or a date (yyyy-MM-dd) in it. Default: the last complete ISO week.")]
    public string? Week { get; init; }
}
