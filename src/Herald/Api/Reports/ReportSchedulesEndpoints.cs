using System.Security.Cryptography;
using System.Text.Json;
using Herald.Analytics.Consent;
using Herald.Api.Auth;
using Herald.Api.Parameters;
using Herald.Domain;
using Herald.Reports;
using Herald.Reports.Scheduling;
using Herald.Senders;
using Herald.Storage;
using Herald.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Api.Reports;

/// <summary>A schedule as the client sends it (seed 004's scheduled report generation and email delivery).</summary>
public sealed record ReportScheduleRequest(string? Report, JsonElement? Parameters, string? Format, string? Cron, string? TimeZone, string[]? Recipients);

/// <summary>A schedule with when it fires next and what its last run did.</summary>
public sealed record ReportScheduleDto(
    string ScheduleId, string Team, string Report, IReadOnlyDictionary<string, string> Parameters, string Format, string Cron, string TimeZone,
    IReadOnlyList<string> Recipients, DateTimeOffset CreatedAt, bool Scheduled, DateTimeOffset? NextFireTime, long Runs, long Failures,
    DateTimeOffset? LastRunAt, string? LastStatus, string? LastReportId, string? LastError);

/// <summary>
/// <c>/api/v1/analytics/reports/schedules</c>: a team's report schedules. Creating, deleting and running one now take
/// <c>reports:write</c>; reading takes <c>metrics:read</c>; a key sees only its own team's (an admin key names <c>?team=</c>
/// to create, and sees all).
/// </summary>
public static class ReportSchedulesEndpoints
{
    public const int MaxRecipients = 20;

    /// <summary>The parameters each report takes (besides the format, which is the schedule's own).</summary>
    private static readonly Dictionary<string, string[]> Allowed = new(StringComparer.Ordinal)
    {
        [ReportTypes.Messages] = ["period", "account_id", "campaign_id", "status"],
        [ReportTypes.Campaign] = ["campaign_id"],
        [ReportTypes.AccountUsage] = ["period", "account_id"],
        [ReportTypes.System] = ["period"],
        [ReportTypes.Daily] = [],
        [ReportTypes.Weekly] = [],
    };

    public static IEndpointRouteBuilder MapReportSchedulesEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1/analytics/reports/schedules").WithTags("Reports");
        g.MapPost("", Create).RequireScope(Scopes.ReportsWrite)
            .WithSummary("Schedule a report: {report, parameters, format, cron (Quartz), time_zone (IANA), recipients[]}; each run is mailed as an attachment");
        g.MapGet("", List).RequireScope(Scopes.MetricsRead).WithSummary("The team's report schedules with their next fire time, last run and last error");
        g.MapGet("/{scheduleId}", Get).RequireScope(Scopes.MetricsRead).WithSummary("One report schedule");
        g.MapDelete("/{scheduleId}", Delete).RequireScope(Scopes.ReportsWrite).WithSummary("Delete a report schedule (its reports stay)");
        g.MapPost("/{scheduleId}/run", Run).RequireScope(Scopes.ReportsWrite)
            .WithSummary("Run a schedule now (as if it fired): generate its report and mail it; answers the schedule with this run as its last");
        return app;
    }

    private static async Task<Results<Created<SuccessEnvelope<ReportScheduleDto>>, BadRequest<ErrorEnvelope>, Conflict<ErrorEnvelope>>> Create(
        ReportScheduleRequest body, [AsParameters] OneTeamParameters parameters, HttpContext http, IReportScheduleStore store, ReportScheduler scheduler,
        ReportMailer mailer, ReportsOptions options, TeamDirectory teams, TimeProvider time, CancellationToken ct)
    {
        int teamId = parameters.TeamId(http);
        var now = time.GetUtcNow();
        string id = "sch_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var schedule = Validate(body, id, teamId, now, options.MinScheduleInterval);
        if (!mailer.Configured)
            return ApiResults.Conflict("mail_not_configured",
                $"report schedules mail their reports, and this server has no SMTP server: the operator sets {ReportMailer.SettingsSection}:host and :from");
        if (store.CountReportSchedules(teamId) >= options.MaxSchedulesPerTeam)
            return ApiResults.Conflict("too_many_schedules", $"a team may have at most {options.MaxSchedulesPerTeam} report schedules");
        store.InsertReportSchedule(schedule);
        await scheduler.AddAsync(schedule, ct);
        var dto = Dto(schedule, scheduler, teams, now);
        return TypedResults.Created($"/api/v1/analytics/reports/schedules/{id}", new SuccessEnvelope<ReportScheduleDto>(dto));
    }

    private static Ok<SuccessEnvelope<IReadOnlyList<ReportScheduleDto>>> List(
        [AsParameters] TeamParameters parameters, HttpContext http, IReportScheduleStore store, ReportScheduler scheduler, TeamDirectory teams, TimeProvider time)
    {
        var now = time.GetUtcNow();
        return ApiResults.Ok<IReadOnlyList<ReportScheduleDto>>(store.ListReportSchedules(parameters.Teams(http)).Select(s => Dto(s, scheduler, teams, now)).ToList());
    }

    private static Results<Ok<SuccessEnvelope<ReportScheduleDto>>, NotFound<ErrorEnvelope>> Get(
        string scheduleId, HttpContext http, IReportScheduleStore store, ReportScheduler scheduler, TeamDirectory teams, TimeProvider time) =>
        Visible(http, store, scheduleId) is { } s ? ApiResults.Ok(Dto(s, scheduler, teams, time.GetUtcNow())) : NotFound(scheduleId);

    private static async Task<Results<NoContent, NotFound<ErrorEnvelope>>> Delete(
        string scheduleId, HttpContext http, IReportScheduleStore store, ReportScheduler scheduler, CancellationToken ct)
    {
        if (Visible(http, store, scheduleId) is null || !store.DeleteReportSchedule(scheduleId)) return NotFound(scheduleId);
        await scheduler.RemoveAsync(scheduleId, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<SuccessEnvelope<ReportScheduleDto>>, NotFound<ErrorEnvelope>>> Run(
        string scheduleId, HttpContext http, IReportScheduleStore store, ScheduledReportRunner runner, ReportScheduler scheduler, TeamDirectory teams,
        TimeProvider time, CancellationToken ct)
    {
        if (Visible(http, store, scheduleId) is null) return NotFound(scheduleId);
        if (await runner.RunAsync(scheduleId, time.GetUtcNow(), ct) is null) return NotFound(scheduleId);
        return ApiResults.Ok(Dto(store.FindReportSchedule(scheduleId)!, scheduler, teams, time.GetUtcNow()));
    }

    /// <summary>The schedule the body describes; anything wrong is a 400 naming the field, and nothing is stored.</summary>
    public static ReportScheduleRecord Validate(ReportScheduleRequest body, string id, int teamId, DateTimeOffset now, TimeSpan minInterval)
    {
        string report = body.Report?.Trim().ToLowerInvariant() is { Length: > 0 } r && Allowed.ContainsKey(r)
            ? r
            : throw new BadParameterException("report", $"is required: one of {string.Join(", ", ReportTypes.All)}");
        string format = body.Format is null ? ReportFormats.Pdf
            : ReportFormats.Parse(body.Format) ?? throw new BadParameterException("format", "must be csv, json, excel (or xlsx) or pdf");
        var parameters = Parameters(report, body.Parameters);

        string zoneId = body.TimeZone?.Trim() is { Length: > 0 } z ? z : "UTC";
        if (TimeZones.Find(zoneId) is null)
            throw new BadParameterException("time_zone", $"unknown time zone '{zoneId}'; use an IANA id such as Europe/Paris or America/New_York");
        string cron = body.Cron?.Trim() is { Length: > 0 } c ? c
            : throw new BadParameterException("cron", "is required: a Quartz cron expression (seconds minutes hours day-of-month month day-of-week [year]), e.g. 0 0 7 * * ? for 07:00 every day");
        CheckCron(cron, zoneId, now, minInterval);

        if (body.Recipients is not { Length: > 0 } given) throw new BadParameterException("recipients", $"1 to {MaxRecipients} e-mail addresses are required");
        if (given.Length > MaxRecipients) throw new BadParameterException("recipients", $"at most {MaxRecipients} addresses");
        var recipients = new List<string>();
        for (int i = 0; i < given.Length; i++)
        {
            string address = given[i]?.Trim() ?? "";
            if (SmtpDelivery.ParseMailbox(address, allowDisplayName: false) is null)
                throw new BadParameterException($"recipients[{i}]", $"'{address}' is not an e-mail address (local@domain)");
            if (!recipients.Contains(address, StringComparer.OrdinalIgnoreCase)) recipients.Add(address);
        }
        return new ReportScheduleRecord(id, teamId, report, JsonSerializer.Serialize(parameters), format, cron, zoneId, recipients, now.ToUnixTimeMilliseconds());
    }

    private static SortedDictionary<string, string> Parameters(string report, JsonElement? given)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (given is not { } element || element.ValueKind == JsonValueKind.Null) return Required(report, result);
        if (element.ValueKind != JsonValueKind.Object) throw new BadParameterException("parameters", "must be an object, like {\"period\":\"previous_week\"}");
        var allowed = Allowed[report];
        foreach (var p in element.EnumerateObject())
        {
            string field = "parameters." + p.Name;
            if (!allowed.Contains(p.Name))
                throw new BadParameterException(field, allowed.Length == 0
                    ? $"unknown parameter; the {report} report takes none"
                    : $"unknown parameter; the {report} report takes {string.Join(", ", allowed)}");
            if (p.Value.ValueKind != JsonValueKind.String) throw new BadParameterException(field, "must be a string");
            string value = p.Value.GetString()!.Trim();
            result[p.Name] = p.Name switch
            {
                "period" => ReportSchedulePeriods.All.Contains(value) ? value
                    : throw new BadParameterException(field, $"must be one of {string.Join(", ", ReportSchedulePeriods.All)}"),
                "status" => string.Join(",", ReportsEndpoints.ParseStatuses(value, field)),
                _ => IdentifierParameter.Require(field, value, Identifier.MaxDimensionLength),
            };
        }
        return Required(report, result);
    }

    private static SortedDictionary<string, string> Required(string report, SortedDictionary<string, string> parameters)
    {
        if (report == ReportTypes.Campaign && !parameters.ContainsKey("campaign_id"))
            throw new BadParameterException("parameters.campaign_id", "is required for the campaign report");
        if (report == ReportTypes.AccountUsage && !parameters.ContainsKey("account_id"))
            throw new BadParameterException("parameters.account_id", "is required for the account_usage report");
        return parameters;
    }

    /// <summary>A cron that parses, fires again, and not more often than <paramref name="minInterval"/> (over its next 50 fires).</summary>
    private static void CheckCron(string cron, string zone, DateTimeOffset now, TimeSpan minInterval)
    {
        DateTimeOffset? next;
        try
        {
            next = ReportSchedulePeriods.NextFireTime(cron, zone, now);
        }
        catch (FormatException e)
        {
            throw new BadParameterException("cron", $"not a Quartz cron expression: {e.Message}");
        }
        if (next is null) throw new BadParameterException("cron", "never fires after now");
        var previous = next.Value;
        for (int i = 0; i < 50; i++)
        {
            if (ReportSchedulePeriods.NextFireTime(cron, zone, previous) is not { } following) break;
            if (following - previous < minInterval)
                throw new BadParameterException("cron", $"fires more often than every {minInterval} (at {previous:yyyy-MM-dd'T'HH:mm:ss'Z'} and {following:yyyy-MM-dd'T'HH:mm:ss'Z'}); each run mails every recipient");
            previous = following;
        }
    }

    private static ReportScheduleRecord? Visible(HttpContext http, IReportScheduleStore store, string id)
    {
        var s = store.FindReportSchedule(id);
        if (s is null) return null;
        var caller = http.Caller();
        return caller.TeamId is null || caller.TeamId == s.TeamId ? s : null;
    }

    private static NotFound<ErrorEnvelope> NotFound(string id) => ApiResults.NotFound($"no report schedule '{id}'");

    private static ReportScheduleDto Dto(ReportScheduleRecord s, ReportScheduler scheduler, TeamDirectory teams, DateTimeOffset now) =>
        new(s.Id, teams.PublicIdOf(s.TeamId), s.Report, JsonSerializer.Deserialize<SortedDictionary<string, string>>(s.ParametersJson)!, s.Format, s.Cron,
            s.TimeZone, s.Recipients, Instants.At(s.CreatedAtMs), scheduler.Running, ReportSchedulePeriods.NextFireTime(s.Cron, s.TimeZone, now), s.Runs,
            s.Failures, Instants.At(s.LastRunAtMs), s.LastStatus, s.LastReportId, s.LastError);
}
