using Herald.Storage;
using Herald.Tenancy;

namespace Herald.Reports.Scheduling;

/// <summary>What one run of a schedule did: <c>success</c> (every recipient got the mail), <c>partial</c> or <c>error</c>.</summary>
public sealed record ScheduleRunResult(string ScheduleId, string Status, string? ReportId, string? Error, IReadOnlyList<ReportMailResult> Mails);

/// <summary>
/// One run of a report schedule: the report of the period the fire time names is generated like any other (it is listed,
/// downloadable and kept for the reports' retention), then mailed to every recipient. The run's outcome is stored on the
/// schedule (last run, status, report, error).
/// </summary>
public sealed class ScheduledReportRunner(
    IReportScheduleStore store, ReportService reports, ReportBuilder builder, ReportMailer mailer, TeamDirectory teams, TimeProvider time,
    ILogger<ScheduledReportRunner> logger)
{
    public const string Success = "success", Partial = "partial", Error = "error";

    /// <summary>Runs the schedule for <paramref name="fireTime"/>; null when it no longer exists.</summary>
    public async Task<ScheduleRunResult?> RunAsync(string scheduleId, DateTimeOffset fireTime, CancellationToken ct)
    {
        var schedule = store.FindReportSchedule(scheduleId);
        if (schedule is null) return null;
        ScheduleRunResult result;
        try
        {
            result = await GenerateAndMailAsync(schedule, fireTime, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogError(e, "report schedule {Schedule} failed", scheduleId);
            result = new ScheduleRunResult(scheduleId, Error, null, $"{e.GetType().Name}: {e.Message}", []);
        }
        store.RecordReportScheduleRun(scheduleId, time.GetUtcNow().ToUnixTimeMilliseconds(), result.Status, result.ReportId, result.Error);
        logger.Log(result.Status == Success ? LogLevel.Information : LogLevel.Warning, "report schedule {Schedule} ran: {Status} {Report} {Error}",
            scheduleId, result.Status, result.ReportId, result.Error);
        return result;
    }

    private async Task<ScheduleRunResult> GenerateAndMailAsync(ReportScheduleRecord schedule, DateTimeOffset fireTime, CancellationToken ct)
    {
        var request = ReportSchedulePeriods.RequestFor(schedule, fireTime);
        if (builder.MissingSubject(request) is { } missing) return new ScheduleRunResult(schedule.Id, Error, null, missing, []);
        string team = teams.PublicIdOf(schedule.TeamId);
        var report = reports.Start(request, team);
        report = await reports.WaitAsync(report.Id, reports.Options.ScheduledReportTimeout);
        if (report.Status != ReportStatuses.Completed)
        {
            string why = report.Status == ReportStatuses.Running
                ? $"report {report.Id} did not finish within {reports.Options.ScheduledReportTimeout}"
                : $"report {report.Id} failed: {report.Error}";
            return new ScheduleRunResult(schedule.Id, Error, report.Id, why, []);
        }
        string title = $"{TitleOf(schedule.Report)} ({PeriodOf(request)})";
        var mails = await mailer.SendAsync(schedule, report, reports.FilePath(report), title, team, ct);
        var failed = mails.Where(m => !m.Ok).ToList();
        string status = failed.Count == 0 ? Success : failed.Count < mails.Count ? Partial : Error;
        return new ScheduleRunResult(schedule.Id, status, report.Id, failed.Count == 0 ? null : string.Join("; ", failed.Select(f => f.Error)), mails);
    }

    private static string TitleOf(string report) => report switch
    {
        ReportTypes.Messages => "Message delivery report",
        ReportTypes.Campaign => "Campaign report",
        ReportTypes.AccountUsage => "Account usage report",
        ReportTypes.System => "System utilization report",
        ReportTypes.Daily => "Daily performance report",
        _ => "Weekly analytics summary",
    };

    private static string PeriodOf(ReportRequest r) => r switch
    {
        { CampaignId: { } campaign, StartDate: null } => campaign,
        { StartDate: { } s, EndDate: { } e } when s == e => $"{s:yyyy-MM-dd}",
        { StartDate: { } s, EndDate: { } e } => $"{s:yyyy-MM-dd} to {e:yyyy-MM-dd}",
        _ => "",
    };
}
