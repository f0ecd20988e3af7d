namespace Herald.Storage;

/// <summary>
/// One generated report (seed 004): its parameters as JSON text, and once done the file it wrote under
/// <c>reports/&lt;team&gt;/</c> of the data directory and its summary as JSON text. <see cref="Status"/> is
/// <c>running</c>, <c>completed</c> or <c>failed</c> (then <see cref="Error"/> says why).
/// </summary>
public sealed record ReportRecord(
    string Id, int TeamId, string Type, string Format, string ParamsJson, string? FileName, long? SizeBytes, long CreatedAtMs,
    long? CompletedAtMs, string Status, string? Error, string? SummaryJson);

public static class ReportStatuses
{
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";
}

public interface IReportStore
{
    void InsertReport(ReportRecord report);

    void CompleteReport(string id, string fileName, long sizeBytes, string summaryJson, long completedAtMs);

    void FailReport(string id, string error, long completedAtMs);

    ReportRecord? FindReport(string id);

    /// <summary>The teams' reports, newest first; <paramref name="type"/> null for every type.</summary>
    IReadOnlyList<ReportRecord> ListReports(IReadOnlyList<int> teams, string? type, int limit);

    void DeleteReport(string id);

    /// <summary>Marks every report still <c>running</c> as failed (a start after a stop that interrupted them); answers how many.</summary>
    int FailRunningReports(string error, long nowMs);
}
