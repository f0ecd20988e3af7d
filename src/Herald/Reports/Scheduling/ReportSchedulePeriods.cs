using System.Text.Json;
using Herald.Storage;
using Quartz;

namespace Herald.Reports.Scheduling;

/// <summary>
/// What a schedule reports on when it fires, and when it fires. A schedule's <c>period</c> is relative to the fire time's
/// date in the schedule's time zone (a run at 07:00 in Asia/Tokyo on the 5th covers "the 4th"); the report then counts
/// those dates as UTC days, as every report does.
/// </summary>
public static class ReportSchedulePeriods
{
    public const string PreviousDay = "previous_day";
    public const string PreviousWeek = "previous_week";
    public const string PreviousMonth = "previous_month";
    public const string Last7Days = "last_7_days";
    public const string Last30Days = "last_30_days";

    public static readonly string[] All = [PreviousDay, PreviousWeek, PreviousMonth, Last7Days, Last30Days];

    /// <summary>The days [start, end] a period names, seen from <paramref name="today"/>.</summary>
    public static (DateOnly Start, DateOnly End) Days(string period, DateOnly today) => period switch
    {
        PreviousDay => (today.AddDays(-1), today.AddDays(-1)),
        PreviousWeek => (Monday(today).AddDays(-7), Monday(today).AddDays(-1)),
        PreviousMonth => (new DateOnly(today.Year, today.Month, 1).AddMonths(-1), new DateOnly(today.Year, today.Month, 1).AddDays(-1)),
        Last7Days => (today.AddDays(-7), today.AddDays(-1)),
        Last30Days => (today.AddDays(-30), today.AddDays(-1)),
        _ => throw new ArgumentException($"unknown period '{period}'", nameof(period)),
    };

    public static DateOnly Monday(DateOnly d) => d.AddDays(-(((int)d.DayOfWeek + 6) % 7));

    /// <summary>The report a schedule's run at <paramref name="fireTime"/> generates.</summary>
    public static ReportRequest RequestFor(ReportScheduleRecord s, DateTimeOffset fireTime)
    {
        var parameters = JsonSerializer.Deserialize<Dictionary<string, string>>(s.ParametersJson) ?? [];
        var zone = Analytics.Consent.TimeZones.Find(s.TimeZone) ?? TimeZoneInfo.Utc;
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(fireTime, zone).DateTime);
        string? Parameter(string name) => parameters.GetValueOrDefault(name);
        (DateOnly? Start, DateOnly? End) Period(string fallback)
        {
            var (start, end) = Days(Parameter("period") ?? fallback, today);
            return (start, end);
        }
        switch (s.Report)
        {
            case ReportTypes.Campaign:
                return new ReportRequest(s.Report, s.Format, s.TeamId, null, null, CampaignId: Parameter("campaign_id"));
            case ReportTypes.Daily:
            {
                var (start, end) = Period(PreviousDay);
                return new ReportRequest(s.Report, s.Format, s.TeamId, start, end);
            }
            case ReportTypes.Weekly:
            {
                var (start, end) = Period(PreviousWeek);
                return new ReportRequest(s.Report, s.Format, s.TeamId, start, end);
            }
            default:
            {
                var (start, end) = Period(PreviousDay);
                var statuses = Parameter("status")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                return new ReportRequest(s.Report, s.Format, s.TeamId, start, end, Parameter("account_id"), Parameter("campaign_id"), statuses);
            }
        }
    }

    /// <summary>When the cron fires next after <paramref name="after"/> in the zone; null when it never does again.</summary>
    public static DateTimeOffset? NextFireTime(string cron, string timeZone, DateTimeOffset after)
    {
        var expression = CronExpression.Parse(cron).WithTimeZone(Analytics.Consent.TimeZones.Find(timeZone) ?? TimeZoneInfo.Utc);
        return expression.GetNextValidTimeAfter(after);
    }
}
