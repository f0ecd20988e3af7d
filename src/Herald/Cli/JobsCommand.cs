using System.CommandLine;
using Herald.Analytics;
using Herald.Api;
using Herald.Api.Jobs;
using Herald.Hosting;
using Herald.Jobs;
using Herald.Snapshots;
using Herald.Storage;
using Herald.Storage.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Spectre.Console;
using Herald.Engine;

namespace Herald.Cli;

/// <summary>
/// <c>herald jobs list</c> and <c>herald jobs run NAME [--date D | --from D --to D]</c>: the snapshot jobs, run straight on
/// the store of <c>HERALD_DATA_DIR</c>. A run needs the data directory's lock (as <c>simulate --direct</c> does): it first
/// folds any accepted events the last server did not, so snapshots see every event; a server on the directory refuses it.
/// </summary>
public static class JobsCommand
{
    public static Command Create()
    {
        var command = new Command("jobs", "List or run the snapshot jobs (daily, weekly, monthly)");
        var list = new Command("list", "The jobs and their schedules");
        list.SetAction(_ =>
        {
            var table = new Table().AddColumns("job", "alias", "schedule", "cron (UTC)", "what");
            foreach (var j in JobCatalog.All) table.AddRow(j.Name, j.Alias, j.Schedule, j.Cron, j.Description);
            AnsiConsole.Write(table);
            return 0;
        });

        var name = new Argument<string>("name") { Description = $"The job: {JobCatalog.Names} (or daily, weekly, monthly)" };
        var date = new Option<string?>("--date") { Description = "Generate the period holding this day (yyyy-MM-dd, UTC)" };
        var from = new Option<string?>("--from") { Description = "Backfill: first day (yyyy-MM-dd) of the range, with --to" };
        var to = new Option<string?>("--to") { Description = "Backfill: last day (yyyy-MM-dd, inclusive) of the range, with --from" };
        var run = new Command("run", "Run a job now: its last complete period, the period of --date, or every period of --from..--to") { name, date, from, to };
        run.SetAction(async (parse, ct) =>
        {
            var job = JobCatalog.Find(parse.GetValue(name));
            if (job is null)
            {
                await Console.Error.WriteLineAsync($"herald: no job '{parse.GetValue(name)}'; the jobs are {JobCatalog.Names}");
                return 2;
            }
            var configuration = HeraldConfiguration.Load();
            var jobOptions = configuration.GetSection("Herald:Jobs").Get<JobsOptions>() ?? new JobsOptions();
            IReadOnlyList<SnapshotPeriod> periods;
            try
            {
                periods = JobsEndpoints.ResolvePeriods(job, parse.GetValue(date), parse.GetValue(from), parse.GetValue(to), DateTimeOffset.UtcNow,
                    jobOptions.MaxPeriodsPerRun);
            }
            catch (BadParameterException e)
            {
                await Console.Error.WriteLineAsync($"herald: --{e.Parameter}: {e.Issue}");
                return 2;
            }
            try
            {
                return await RunAsync(HeraldConfiguration.Options(configuration), job, periods, ct);
            }
            catch (DataDirectoryInUseException e)
            {
                await Console.Error.WriteLineAsync("herald: " + e.Message);
                return 2;
            }
        });
        command.Subcommands.Add(list);
        command.Subcommands.Add(run);
        return command;
    }

    private static async Task<int> RunAsync(HeraldOptions options, JobDefinition job, IReadOnlyList<SnapshotPeriod> periods, CancellationToken ct)
    {
        using var dataLock = DataDirectoryLock.Acquire(options.DataDir);
        using var store = new SqliteStore(options.DatabasePath);
        store.MigrateUp();
        var registry = new DimensionRegistry();
        registry.Load(store);
        var pending = new PendingRollups();
        var writer = new BatchWriter(store, registry, pending, TimeProvider.System);
        writer.Recover();
        var runner = new JobRunner(Direct(store, registry, pending), TimeProvider.System, NullLogger<JobRunner>.Instance);

        JobRunSummary summary = null!;
        if (periods.Count == 1)
        {
            summary = await runner.RunAsync(job, periods, "cli", ct: ct);
        }
        else
        {
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async ctx =>
                {
                    var task = ctx.AddTask($"{job.Alias} snapshots, {periods.Count} periods", maxValue: periods.Count);
                    summary = await runner.RunAsync(job, periods, "cli", new Progress<int>(done =>
                    {
                        task.Value = done;
                        task.Description = $"{job.Alias} snapshots: {done}/{periods.Count} periods";
                    }), ct);
                    task.Value = periods.Count;
                });
        }
        foreach (var f in summary.Failures) AnsiConsole.MarkupLineInterpolated($"[red]failed[/] {f.Period} team {f.Team}: {f.Error}");
        if (summary.Error is { } error) AnsiConsole.MarkupLineInterpolated($"[red]error[/]: {error}");
        AnsiConsole.MarkupLineInterpolated(
            $"{job.Name}: {summary.Status}, {summary.Periods} periods ({summary.FirstPeriod} .. {summary.LastPeriod}), {summary.TeamsSucceeded} team runs ok, {summary.TeamsFailed} failed, {summary.SnapshotsWritten} snapshots written in {summary.DurationMs / 1000:F1} s");
        return summary.Status == "success" ? 0 : 1;
    }

    /// <summary>A snapshot service straight on a store (the CLI and the benchmark): no server, no pending writes.</summary>
    public static SnapshotService Direct(SqliteStore store, DimensionRegistry registry, PendingRollups pending) =>
        new(new SnapshotBuilder(new MetricsQuery(store, registry, pending), store, store, pending, registry, TimeProvider.System), store, store, TimeProvider.System,
            NullLogger<SnapshotService>.Instance);
}
