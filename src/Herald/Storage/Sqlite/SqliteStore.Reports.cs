using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

public sealed partial class SqliteStore : IReportStore
{
    public void InsertReport(ReportRecord report)
    {
        using var c = Open();
        Execute(c, null, SqliteSql.InsertReport, ("$id", report.Id), ("$team", report.TeamId), ("$type", report.Type), ("$format", report.Format),
            ("$params", report.ParamsJson), ("$file", report.FileName), ("$size", report.SizeBytes), ("$created", report.CreatedAtMs), ("$completed", report.CompletedAtMs),
            ("$status", report.Status), ("$error", report.Error), ("$summary", report.SummaryJson));
    }

    public void CompleteReport(string id, string fileName, long sizeBytes, string summaryJson, long completedAtMs)
    {
        using var c = Open();
        Execute(c, null, SqliteSql.CompleteReport, ("$id", id), ("$file", fileName), ("$size", sizeBytes), ("$summary", summaryJson),
            ("$completed", completedAtMs));
    }

    public void FailReport(string id, string error, long completedAtMs)
    {
        using var c = Open();
        Execute(c, null, SqliteSql.FailReport, ("$id", id), ("$error", error), ("$completed", completedAtMs));
    }

    public ReportRecord? FindReport(string id) => ReadReports(SqliteSql.SelectReport, ("$id", id)).FirstOrDefault();

    public IReadOnlyList<ReportRecord> ListReports(IReadOnlyList<int> teams, string? type, int limit)
    {
        var all = new List<ReportRecord>();
        foreach (int team in teams)
            all.AddRange(ReadReports(SqliteSql.SelectTeamReports, ("$team", team), ("$type", type), ("$limit", limit)));
        return all.OrderByDescending(r => r.CreatedAtMs).ThenByDescending(r => r.Id, StringComparer.Ordinal).Take(limit).ToList();
    }

    public void DeleteReport(string id)
    {
        using var c = Open();
        Execute(c, null, SqliteSql.DeleteReport, ("$id", id));
    }

    public int FailRunningReports(string error, long nowMs)
    {
        using var c = Open();
        return Execute(c, null, SqliteSql.FailRunningReports, ("$error", error), ("$now", nowMs));
    }

    private List<ReportRecord> ReadReports(string sql, params (string Name, object? Value)[] parameters)
    {
        using var c = Open();
        using var cmd = Command(c, sql, parameters);
        using var r = cmd.ExecuteReader();
        var list = new List<ReportRecord>();
        while (r.Read()) list.Add(ReadReport(r));
        return list;
    }

    private static ReportRecord ReadReport(SqliteDataReader r) =>
        new(r.GetString(0), r.GetInt32(1), r.GetString(2), r.GetString(3), r.GetString(4), Text(r, 5), Long(r, 6), r.GetInt64(7), Long(r, 8),
            r.GetString(9), Text(r, 10), Text(r, 11));
}
