namespace Herald.Storage.Sqlite;

internal static partial class SqliteSql
{
    // Report schedules (migration 27).
    public const string ReportScheduleColumns =
        "id, team_id, report, parameters, format, cron, time_zone, recipients, created_at, runs, failures, last_run_at, last_status, last_report_id, last_error";
    public const string InsertReportSchedule = """
        INSERT INTO report_schedules (id, team_id, report, parameters, format, cron, time_zone, recipients, created_at)
        VALUES ($id, $team, $report, $parameters, $format, $cron, $tz, $recipients, $created)
        """;
    public const string SelectReportSchedule = "SELECT " + ReportScheduleColumns + " FROM report_schedules WHERE id = $id";
    public const string SelectTeamReportSchedules = "SELECT " + ReportScheduleColumns + " FROM report_schedules WHERE team_id = $team ORDER BY created_at, id";
    public const string SelectAllReportSchedules = "SELECT " + ReportScheduleColumns + " FROM report_schedules ORDER BY created_at, id";
    public const string CountTeamReportSchedules = "SELECT COUNT(*) FROM report_schedules WHERE team_id = $team";
    public const string DeleteReportSchedule = "DELETE FROM report_schedules WHERE id = $id";
    public const string RecordReportScheduleRun = """
        UPDATE report_schedules SET runs = runs + 1, failures = failures + ($status <> 'success'), last_run_at = $at, last_status = $status,
            last_report_id = $report, last_error = $error
        WHERE id = $id
        """;
}
