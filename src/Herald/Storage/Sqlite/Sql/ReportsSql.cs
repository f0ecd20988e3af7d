namespace Herald.Storage.Sqlite;

internal static partial class SqliteSql
{
    // Reports (migration 12).
    public const string ReportColumns = "id, team_id, type, format, params, file_name, size, created_at, completed_at, status, error, summary";
    public const string InsertReport = """
        INSERT INTO reports (id, team_id, type, format, params, file_name, size, created_at, completed_at, status, error, summary)
        VALUES ($id, $team, $type, $format, $params, $file, $size, $created, $completed, $status, $error, $summary)
        """;
    public const string CompleteReport = """
        UPDATE reports SET status = 'completed', file_name = $file, size = $size, summary = $summary, completed_at = $completed, error = NULL
        WHERE id = $id
        """;
    public const string FailReport = "UPDATE reports SET status = 'failed', error = $error, completed_at = $completed WHERE id = $id";
    public const string SelectReport = "SELECT " + ReportColumns + " FROM reports WHERE id = $id";
    /// <summary>$type NULL for every type.</summary>
    public const string SelectTeamReports = "SELECT " + ReportColumns + """
         FROM reports WHERE team_id = $team AND ($type IS NULL OR type = $type) ORDER BY created_at DESC, id DESC LIMIT $limit
        """;
    public const string DeleteReport = "DELETE FROM reports WHERE id = $id";
    public const string FailRunningReports = "UPDATE reports SET status = 'failed', error = $error, completed_at = $now WHERE status = 'running'";
}
