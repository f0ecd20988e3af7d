using System.Globalization;
using System.Text.Json;
using Herald.Api.Auth;
using Herald.Api.Parameters;
using Herald.Domain;
using Herald.Reports;
using Herald.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Herald.Tenancy;

namespace Herald.Api.Reports;

/// <summary>A generated report as the API shows it: seed 004's report_id, summary, file_path (the download URL), format, generated_at.</summary>
public sealed record ReportDto(
    string ReportId, string ReportType, string Type, string Status, double? ProgressPercent, JsonElement? Summary, string? FilePath, string Format,
    DateTimeOffset? GeneratedAt, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, string Team, IReadOnlyDictionary<string, string> Parameters, string? FileName,
    long? SizeBytes, string? Error, string StatusUrl);

/// <summary>
/// Seed 004's report generation (<c>POST /api/v1/analytics/reports/...</c>, scope reports:write) with listing, status and
/// download (metrics:read, the key's own team only), and seed 003's daily and weekly reports.
/// </summary>
public static class ReportsEndpoints
{
    public const string DefaultFormat = ReportFormats.Json;
    public const int MaxListed = 500;

    public static IEndpointRouteBuilder MapReportsEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1/analytics/reports").WithTags("Reports");
        g.MapPost("/messages", Messages).RequireScope(Scopes.ReportsWrite)
            .WithSummary("Message delivery report: ?start_date=&end_date= (yyyy-MM-dd, UTC, inclusive, at most 366 days) &format=csv|json|excel|pdf [&account_id=&status=&campaign_id=] [&detail=items: one row per message too]");
        g.MapPost("/campaigns/{campaignId}", Campaign).RequireScope(Scopes.ReportsWrite)
            .WithSummary("Campaign performance report: progress, timing, errors and daily rows; ?format=");
        g.MapPost("/accounts/{accountId}/usage", AccountUsage).RequireScope(Scopes.ReportsWrite)
            .WithSummary("Account usage report: daily usage, cost and balance consumption; ?start_date=&end_date=&format=");
        g.MapPost("/system", SystemUtilization).RequireScope(Scopes.ReportsWrite)
            .WithSummary("System utilization report (report_type: system): requests, latency, errors, CPU, memory, disk, ingest and network per day; ?start_date=&end_date=&format=");
        g.MapGet("", List).RequireScope(Scopes.MetricsRead).WithSummary("The team's reports, newest first (?type=&limit=)");
        g.MapGet("/{reportId}", Get).RequireScope(Scopes.MetricsRead).WithSummary("A report's status (running, completed, failed), progress and summary");
        g.MapGet("/{reportId}/download", Download).RequireScope(Scopes.MetricsRead).WithSummary("The report file")
            .Produces(StatusCodes.Status200OK, responseType: null, contentType: ReportFormats.ContentType(ReportFormats.Json),
                additionalContentTypes: [.. ReportFormats.All.Where(f => f != ReportFormats.Json).Select(ReportFormats.ContentType)]);
        g.MapDelete("/{reportId}", Delete).RequireScope(Scopes.ReportsWrite).WithSummary("Deletes a report and its file");

        var seed003 = app.MapGroup("/api/v1/reports").RequireScope(Scopes.MetricsRead).WithTags("Reports");
        seed003.MapGet("/daily", Daily).WithSummary("Seed 003's daily performance report: ?date=yyyy-MM-dd (default yesterday, UTC)");
        seed003.MapGet("/weekly", Weekly).WithSummary("Seed 003's weekly analytics summary: ?week=2026-W47 or a date in it (default the last complete ISO week)");
        return app;
    }

    // ---- generation ----

    private static Task<Results<Ok<SuccessEnvelope<ReportDto>>, Accepted<SuccessEnvelope<ReportDto>>, NotFound<ErrorEnvelope>, ErrorResult<ErrorStatus.InternalServerError>>> Messages(
        [AsParameters] MessageReportParameters parameters, HttpContext http, ReportService reports, ReportBuilder builder, TeamDirectory teams)
    {
        var (start, end) = parameters.Period();
        var statuses = parameters.Status is { } s ? ParseStatuses(s) : null;
        var request = new ReportRequest(ReportTypes.Messages, parameters.FormatOrDefault(), parameters.TeamId(http), start, end,
            Name("account_id", parameters.AccountId), Name("campaign_id", parameters.CampaignId), statuses, parameters.Detail);
        return StartAsync(request, reports, builder, teams);
    }

    private static Task<Results<Ok<SuccessEnvelope<ReportDto>>, Accepted<SuccessEnvelope<ReportDto>>, NotFound<ErrorEnvelope>, ErrorResult<ErrorStatus.InternalServerError>>> Campaign(
        string campaignId, [AsParameters] ReportFormatParameters parameters, HttpContext http, ReportService reports, ReportBuilder builder, TeamDirectory teams)
    {
        IdentifierParameter.Require("campaign_id", campaignId, Domain.Identifier.MaxDimensionLength);
        var request = new ReportRequest(ReportTypes.Campaign, parameters.FormatOrDefault(), parameters.TeamId(http), null, null, CampaignId: campaignId);
        return StartAsync(request, reports, builder, teams);
    }

    private static Task<Results<Ok<SuccessEnvelope<ReportDto>>, Accepted<SuccessEnvelope<ReportDto>>, NotFound<ErrorEnvelope>, ErrorResult<ErrorStatus.InternalServerError>>> AccountUsage(
        string accountId, [AsParameters] ReportPeriodParameters parameters, HttpContext http, ReportService reports, ReportBuilder builder, TeamDirectory teams)
    {
        IdentifierParameter.Require("account_id", accountId, Domain.Identifier.MaxDimensionLength);
        var (start, end) = parameters.Period();
        var request = new ReportRequest(ReportTypes.AccountUsage, parameters.FormatOrDefault(), parameters.TeamId(http), start, end, AccountId: accountId);
        return StartAsync(request, reports, builder, teams);
    }

    private static Task<Results<Ok<SuccessEnvelope<ReportDto>>, Accepted<SuccessEnvelope<ReportDto>>, NotFound<ErrorEnvelope>, ErrorResult<ErrorStatus.InternalServerError>>> SystemUtilization(
        [AsParameters] ReportPeriodParameters parameters, HttpContext http, ReportService reports, ReportBuilder builder, TeamDirectory teams)
    {
        var (start, end) = parameters.Period();
        var request = new ReportRequest(ReportTypes.System, parameters.FormatOrDefault(), parameters.TeamId(http), start, end);
        return StartAsync(request, reports, builder, teams);
    }

    /// <summary>
    /// Starts the report and waits up to <c>Herald:Reports:WaitForCompletion</c> (2 s): a finished report answers 200 with its
    /// summary and download URL, one still running answers 202 with <c>status: running</c> and its status URL (Location).
    /// </summary>
    private static async Task<Results<Ok<SuccessEnvelope<ReportDto>>, Accepted<SuccessEnvelope<ReportDto>>, NotFound<ErrorEnvelope>, ErrorResult<ErrorStatus.InternalServerError>>> StartAsync(
        ReportRequest request, ReportService reports, ReportBuilder builder, TeamDirectory teams)
    {
        if (builder.MissingSubject(request) is { } missing) return ApiResults.NotFound(missing);
        var record = reports.Start(request, teams.PublicIdOf(request.TeamId));
        // A zero wait answers the row as inserted (running), whatever the generator has done since.
        if (reports.Options.WaitForCompletion > TimeSpan.Zero) record = await reports.WaitAsync(record.Id, reports.Options.WaitForCompletion);
        var dto = Dto(record, reports, teams);
        return record.Status switch
        {
            ReportStatuses.Completed => ApiResults.Ok(dto),
            ReportStatuses.Running => TypedResults.Accepted(dto.StatusUrl, new SuccessEnvelope<ReportDto>(dto)),
            _ => ApiResults.Error<ErrorStatus.InternalServerError>("report_failed", $"report {record.Id} failed: {record.Error}"),
        };
    }

    // ---- reading ----

    private static Ok<SuccessEnvelope<IReadOnlyList<ReportDto>>> List(
        [AsParameters] ReportListParameters parameters, HttpContext http, IReportStore store, ReportService reports, TeamDirectory teams)
    {
        var list = store.ListReports(parameters.Teams(http), parameters.Type, parameters.Limit ?? ReportListParameters.DefaultLimit)
            .Select(r => Dto(r, reports, teams)).ToList();
        return ApiResults.Ok<IReadOnlyList<ReportDto>>(list);
    }

    private static Results<Ok<SuccessEnvelope<ReportDto>>, NotFound<ErrorEnvelope>> Get(
        string reportId, HttpContext http, IReportStore store, ReportService reports, TeamDirectory teams) =>
        Visible(http, store, reportId) is { } r ? ApiResults.Ok(Dto(r, reports, teams)) : NotFound(reportId);

    /// <summary>The file, as an attachment with its own name and content type; 409 while it runs or when it failed.</summary>
    private static Results<PhysicalFileHttpResult, NotFound<ErrorEnvelope>, Conflict<ErrorEnvelope>> Download(
        string reportId, HttpContext http, IReportStore store, ReportService reports)
    {
        if (Visible(http, store, reportId) is not { } r) return NotFound(reportId);
        if (r.Status != ReportStatuses.Completed || r.FileName is null)
            return ApiResults.Conflict("report_not_ready",
                r.Status == ReportStatuses.Running ? $"report {r.Id} is still running; poll GET /api/v1/analytics/reports/{r.Id}" : $"report {r.Id} failed: {r.Error}");
        var path = reports.FilePath(r);
        if (!File.Exists(path)) return ApiResults.NotFound($"the file of report {r.Id} is gone");
        return TypedResults.PhysicalFile(path, ReportFormats.ContentTypeOf(r.Format, r.FileName), Path.GetFileName(r.FileName));
    }

    private static Results<Ok<SuccessEnvelope<object>>, NotFound<ErrorEnvelope>, Conflict<ErrorEnvelope>> Delete(
        string reportId, HttpContext http, IReportStore store, ReportService reports)
    {
        if (Visible(http, store, reportId) is not { } r) return NotFound(reportId);
        if (r.Status == ReportStatuses.Running) return ApiResults.Conflict("report_running", $"report {r.Id} is still running");
        reports.Delete(r);
        return ApiResults.Ok<object>(new { report_id = r.Id, deleted = true });
    }

    // ---- seed 003 ----

    private static Ok<SuccessEnvelope<DailyPerformanceReport>> Daily([AsParameters] DailyReportParameters parameters, HttpContext http, PerformanceReports performance, TimeProvider time)
    {
        var date = parameters.Date is { } d ? DayParameter.Parse("date", d) : Today(time).AddDays(-1);
        return ApiResults.Ok(performance.Daily(parameters.TeamId(http), date));
    }

    private static Ok<SuccessEnvelope<WeeklyAnalyticsSummary>> Weekly([AsParameters] WeeklyReportParameters parameters, HttpContext http, PerformanceReports performance, TimeProvider time)
    {
        DateOnly monday;
        if (parameters.Week is { } w)
        {
            var m = System.Text.RegularExpressions.Regex.Match(w.Trim(), @"^(\d{4})-?W(\d{2})$", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
            if (m.Success)
            {
                int year = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), week = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
                if (week < 1 || week > ISOWeek.GetWeeksInYear(year)) throw new BadParameterException("week", $"{year} has weeks 1 to {ISOWeek.GetWeeksInYear(year)}");
                monday = DateOnly.FromDateTime(ISOWeek.ToDateTime(year, week, DayOfWeek.Monday));
            }
            else if (DateOnly.TryParseExact(w.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)) monday = Monday(day);
            else throw new BadParameterException("week", "must be an ISO week like 2026-W47, or a date like 2026-11-18 (its ISO week)");
        }
        else monday = Monday(Today(time)).AddDays(-7);
        return ApiResults.Ok(performance.Weekly(parameters.TeamId(http), monday));
    }

    private static DateOnly Monday(DateOnly d) => d.AddDays(-(((int)d.DayOfWeek + 6) % 7));

    private static DateOnly Today(TimeProvider time) => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);

    // ---- parameters ----

    /// <summary>Comma-separated status words; anything else is a 400 naming <paramref name="field"/>.</summary>
    internal static List<string> ParseStatuses(string text, string field = "status")
    {
        var list = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();
        if (list.Count == 0) throw new BadParameterException(field, "must name at least one status");
        foreach (var s in list)
            if (!Statuses.TryParse(s, out _)) throw new BadParameterException(field, $"'{s}' is not a status word (queued, sent, delivered, read, failed, undelivered, ...)");
        return list;
    }

    private static string? Name(string field, string? value) =>
        value is null ? null : IdentifierParameter.Require(field, value, Domain.Identifier.MaxDimensionLength);

    // ---- shapes ----

    /// <summary>The report when the caller's key may see its team (its own; an admin key any), else null.</summary>
    private static ReportRecord? Visible(HttpContext http, IReportStore store, string id)
    {
        var r = store.FindReport(id);
        if (r is null) return null;
        var caller = http.Caller();
        return caller.TeamId is null || caller.TeamId == r.TeamId ? r : null;
    }

    private static NotFound<ErrorEnvelope> NotFound(string id) => ApiResults.NotFound($"no report '{id}'");

    private static ReportDto Dto(ReportRecord r, ReportService reports, TeamDirectory teams)
    {
        string statusUrl = $"/api/v1/analytics/reports/{Uri.EscapeDataString(r.Id)}";
        JsonElement? summary = null;
        if (r.SummaryJson is { } s)
        {
            using var doc = JsonDocument.Parse(s);
            summary = doc.RootElement.Clone();
        }
        var parameters = new SortedDictionary<string, string>(StringComparer.Ordinal);
        using (var p = JsonDocument.Parse(r.ParamsJson))
            foreach (var prop in p.RootElement.EnumerateObject()) parameters[prop.Name] = prop.Value.ToString();
        bool done = r.Status == ReportStatuses.Completed;
        return new ReportDto(r.Id, r.Type, r.Type, r.Status, r.Status == ReportStatuses.Running ? reports.Progress(r.Id) ?? 0 : done ? 100 : null, summary,
            done ? statusUrl + "/download" : null, r.Format, done ? Instants.At(r.CompletedAtMs) : null, Instants.At(r.CreatedAtMs),
            Instants.ToSecond(reports.ExpiresAt(r)), teams.PublicIdOf(r.TeamId), parameters,
            r.FileName is { } f ? Path.GetFileName(f) : null, r.SizeBytes, r.Error, statusUrl);
    }
}
