using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Herald.Api.Auth;
using Herald.Backup;
using Herald.Domain;
using Herald.Jobs;
using Herald.Snapshots;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Herald.Api.Jobs;

public sealed record JobDto(
    string Name, string Alias, string Type, string Cron, string Schedule, string Description, bool Scheduled, DateTimeOffset? NextFireTime,
    bool Running, long Runs, long SucceededRuns, long FailedRuns, long TeamSuccesses, long TeamErrors, long SnapshotsWritten,
    string? LastRunAt, string? LastStatus, JobRunSummary? LastRun, BackupRunSummary? LastBackup = null);

public sealed record TriggerRequest(string? Date, string? From, string? To);

public sealed class JobTriggerParameters
{
    [FromQuery(Name = "date"), Description("Run the period holding this UTC day, yyyy-MM-dd (not in the future).")]
    public string? Date { get; init; }

    [FromQuery(Name = "from"), Description("With to: run every period from this UTC day, yyyy-MM-dd (a backfill).")]
    public string? From { get; init; }

    [FromQuery(Name = "to"), Description("With from: run every period up to this UTC day, yyyy-MM-dd, included.")]
    public string? To { get; init; }
}

/// <summary><c>/api/v1/jobs</c> (admin): the scheduled jobs' state and counters, and manual triggers with an optional date or range.</summary>
public static class JobsEndpoints
{
    public static IEndpointRouteBuilder MapJobsEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/jobs").RequireScope(Scopes.Admin).WithTags("Jobs");
        group.MapGet("", List).WithSummary("The snapshot jobs: schedule, next fire time, last run and success/error counters");
        group.MapPost("/{name}/trigger", Trigger)
            .WithSummary("Run a job now: its last complete period, the period holding ?date=, or every period of ?from=..&to= (a backfill)");
        return app;
    }

    private static async Task<Ok<SuccessEnvelope<IReadOnlyList<JobDto>>>> List(JobRunner runner, JobScheduler scheduler, BackupRunner backups,
        BackupOptions backupOptions, CancellationToken ct)
    {
        var list = new List<JobDto>();
        foreach (var s in runner.States())
        {
            var next = await scheduler.NextFireTimeAsync(s.Job, ct);
            var j = s.Job;
            list.Add(new JobDto(j.Name, j.Alias, SnapshotTypes.Name(j.Type).ToLowerInvariant(), j.Cron, j.Schedule, j.Description, scheduler.Running,
                next is { } n ? Instants.ToSecond(n) : null, s.Running, s.Runs, s.SucceededRuns, s.FailedRuns, s.TeamSuccesses, s.TeamErrors, s.SnapshotsWritten,
                s.LastRun?.StartedAt, s.LastRun?.Status, s.LastRun));
        }
        var b = backups.State();
        var nextBackup = await scheduler.NextFireTimeAsync(BackupRunner.JobName, ct);
        list.Add(new JobDto(BackupRunner.JobName, "backup", "backup", backupOptions.Cron, $"cron {backupOptions.Cron} (UTC)",
            "A backup into the backup store, then retention (POST /api/v1/admin/backups runs one now)", nextBackup is not null,
            nextBackup is { } nb ? Instants.ToSecond(nb) : null, b.Running, b.Runs, b.SucceededRuns, b.FailedRuns, 0, 0, 0,
            b.LastRun?.StartedAt, b.LastRun?.Status, null, b.LastRun));
        return ApiResults.Ok<IReadOnlyList<JobDto>>(list);
    }

    private static async Task<Results<Ok<SuccessEnvelope<JobRunSummary>>, NotFound<ErrorEnvelope>, JsonHttpResult<ErrorEnvelope>>> Trigger(
        string name, [AsParameters] JobTriggerParameters parameters, HttpContext http, JobRunner runner, JobsOptions options, RequestBodies bodies,
        TimeProvider time, CancellationToken ct)
    {
        var job = JobCatalog.Find(name);
        if (job is null) return ApiResults.NotFound($"no job '{name}'; the jobs are {JobCatalog.Names}");
        var (request, refused) = await ReadRequest(parameters, http, bodies);
        if (refused is not null) return refused;
        var periods = ResolvePeriods(job, request!.Date, request.From, request.To, time.GetUtcNow(), options.MaxPeriodsPerRun);
        return ApiResults.Ok(await runner.RunAsync(job, periods, "manual", ct: ct));
    }

    private static readonly JsonSerializerOptions BodyJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Query parameters, else a JSON body: <c>{"date": "2026-11-21"}</c> or <c>{"from": "...", "to": "..."}</c>.</summary>
    private static async Task<(TriggerRequest? Request, JsonHttpResult<ErrorEnvelope>? Refused)> ReadRequest(JobTriggerParameters query, HttpContext http,
        RequestBodies bodies)
    {
        if (query.Date is not null || query.From is not null || query.To is not null) return (new TriggerRequest(query.Date, query.From, query.To), null);
        if (http.Request.ContentLength is null or 0 && http.Request.Headers.TransferEncoding.Count == 0) return (new TriggerRequest(null, null, null), null);
        // Jobs belong to no team: an admin's bodies share the one account of team 0.
        var read = await bodies.ReadAsync(http, teamId: 0);
        if (read.Error is { } refused) return (null, refused);
        using var body = read.Body!;
        if (!body.TryDeserialize<TriggerRequest>(BodyJson, out var request, out _))
            throw new BadParameterException("body", "must be a JSON object with date, or from and to (yyyy-MM-dd)");
        return (request ?? new TriggerRequest(null, null, null), null);
    }

    /// <summary>The periods a manual run or <c>herald jobs run</c> covers; throws <see cref="BadParameterException"/> naming the bad input.</summary>
    public static IReadOnlyList<SnapshotPeriod> ResolvePeriods(JobDefinition job, string? date, string? from, string? to, DateTimeOffset now, int maxPeriods)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        if (date is not null)
        {
            if (from is not null || to is not null) throw new BadParameterException("date", "give either date, or from and to, not both");
            return [SnapshotPeriod.Containing(job.Type, ParseDate("date", date, today))];
        }
        if (from is null && to is null) return [SnapshotPeriod.LastComplete(job.Type, now)];
        if (from is null || to is null) throw new BadParameterException(from is null ? "from" : "to", "a range needs both from and to");
        var f = ParseDate("from", from, today);
        var t = ParseDate("to", to, today);
        if (f > t) throw new BadParameterException("from", "must not be after to");
        var periods = SnapshotPeriod.Covering(job.Type, f, t);
        if (periods.Count > maxPeriods) throw new BadParameterException("from", $"the range covers {periods.Count} periods; at most {maxPeriods} per run");
        return periods;
    }

    private static DateOnly ParseDate(string field, string value, DateOnly today)
    {
        if (!DateOnly.TryParseExact(value.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
            throw new BadParameterException(field, "must be a date like 2026-11-21 (yyyy-MM-dd, UTC)");
        if (d > today) throw new BadParameterException(field, "must not be in the future");
        return d;
    }
}
