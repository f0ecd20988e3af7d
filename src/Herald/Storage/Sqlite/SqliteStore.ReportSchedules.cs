using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

public sealed partial class SqliteStore : IReportScheduleStore
{
    public void InsertReportSchedule(ReportScheduleRecord schedule)
    {
        using var c = Open();
        Execute(c, null, SqliteSql.InsertReportSchedule, ("$id", schedule.Id), ("$team", schedule.TeamId), ("$report", schedule.Report), ("$parameters", schedule.ParametersJson),
            ("$format", schedule.Format), ("$cron", schedule.Cron), ("$tz", schedule.TimeZone), ("$recipients", JsonSerializer.Serialize(schedule.Recipients)), ("$created", schedule.CreatedAtMs));
    }

    public ReportScheduleRecord? FindReportSchedule(string id) => ReadReportSchedules(SqliteSql.SelectReportSchedule, ("$id", id)).FirstOrDefault();

    public IReadOnlyList<ReportScheduleRecord> ListReportSchedules(IReadOnlyList<int>? teams)
    {
        if (teams is null) return ReadReportSchedules(SqliteSql.SelectAllReportSchedules);
        var all = new List<ReportScheduleRecord>();
        foreach (int team in teams) all.AddRange(ReadReportSchedules(SqliteSql.SelectTeamReportSchedules, ("$team", team)));
        return all;
    }

    public int CountReportSchedules(int teamId)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.CountTeamReportSchedules, ("$team", teamId));
        return Convert.ToInt32(cmd.ExecuteScalar());
    }

    public bool DeleteReportSchedule(string id)
    {
        using var c = Open();
        return Execute(c, null, SqliteSql.DeleteReportSchedule, ("$id", id)) > 0;
    }

    public void RecordReportScheduleRun(string id, long atMs, string status, string? reportId, string? error)
    {
        using var c = Open();
        Execute(c, null, SqliteSql.RecordReportScheduleRun, ("$id", id), ("$at", atMs), ("$status", status), ("$report", reportId), ("$error", error));
    }

    private List<ReportScheduleRecord> ReadReportSchedules(string sql, params (string Name, object? Value)[] parameters)
    {
        using var c = Open();
        using var cmd = Command(c, sql, parameters);
        using var r = cmd.ExecuteReader();
        var list = new List<ReportScheduleRecord>();
        while (r.Read()) list.Add(ReadReportSchedule(r));
        return list;
    }

    private static ReportScheduleRecord ReadReportSchedule(SqliteDataReader r) =>
        new(r.GetString(0), r.GetInt32(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6),
            JsonSerializer.Deserialize<string[]>(r.GetString(7)) ?? [], r.GetInt64(8), r.GetInt64(9), r.GetInt64(10), Long(r, 11), Text(r, 12),
            Text(r, 13), Text(r, 14));
}
