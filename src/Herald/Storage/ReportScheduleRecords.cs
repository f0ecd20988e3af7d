namespace Herald.Storage;

/// <summary>
/// A report schedule (seed 004's scheduled report generation and email delivery): the report type, its parameters (JSON
/// text), format, a Quartz cron expression evaluated in an IANA time zone, the recipients, and what its last run did.
/// <see cref="LastStatus"/> is <c>success</c>, <c>partial</c> (some recipients were not reached) or <c>error</c>.
/// </summary>
public sealed record ReportScheduleRecord(
    string Id, int TeamId, string Report, string ParametersJson, string Format, string Cron, string TimeZone, IReadOnlyList<string> Recipients,
    long CreatedAtMs, long Runs = 0, long Failures = 0, long? LastRunAtMs = null, string? LastStatus = null, string? LastReportId = null,
    string? LastError = null);

public interface IReportScheduleStore
{
    void InsertReportSchedule(ReportScheduleRecord schedule);

    ReportScheduleRecord? FindReportSchedule(string id);

    /// <summary>The teams' schedules, oldest first; null for every team's.</summary>
    IReadOnlyList<ReportScheduleRecord> ListReportSchedules(IReadOnlyList<int>? teams);

    int CountReportSchedules(int teamId);

    bool DeleteReportSchedule(string id);

    /// <summary>Records a run: counts it (and a failure unless <paramref name="status"/> is <c>success</c>) and keeps it as the last one.</summary>
    void RecordReportScheduleRun(string id, long atMs, string status, string? reportId, string? error);
}
