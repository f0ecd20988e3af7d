using Herald.Snapshots;
using Quartz;
using Quartz.Extensibility;

namespace Herald.Jobs;

/// <summary>
/// The cron side of the jobs: a Quartz scheduler with an in-memory (RAM) job store, built and started by this hosted
/// service in the background (the web host does not wait for it) and shut down with the host. Each firing runs the
/// job's last complete period through <see cref="JobRunner"/>. Disabled by <c>Herald:Jobs:Enabled=false</c>.
/// </summary>
public sealed class JobScheduler(JobRunner runner, TimeProvider time, ILogger<JobScheduler> logger) : BackgroundService
{
    private volatile IScheduler? _scheduler;

    /// <summary>True once the scheduler runs.</summary>
    public bool Running => _scheduler is not null;

    /// <summary>When the job fires next, or null when the scheduler is not running.</summary>
    public async Task<DateTimeOffset?> NextFireTimeAsync(JobDefinition job, CancellationToken ct = default)
    {
        var scheduler = _scheduler;
        if (scheduler is null) return null;
        var trigger = await scheduler.GetTrigger(new TriggerKey(job.Name), ct);
        return trigger?.NextFireTimeUtc;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // the host's start does not wait for the scheduler
        IScheduler? scheduler = null;
        try
        {
            scheduler = await QuartzSchedulerBuilder.Create(q =>
            {
                q.UseInMemoryStore();
                q.UseDefaultThreadPool(1);
                q.UseTimeProvider(time);
                q.UseJobFactory(new Factory(runner, time));
            }).BuildScheduler(stoppingToken);
            foreach (var job in JobCatalog.All)
            {
                var detail = JobBuilder.Create<SnapshotJob>().WithIdentity(job.Name).WithDescription(job.Description).Build();
                var trigger = TriggerBuilder.Create(time).WithIdentity(job.Name).ForJob(detail)
                    .WithSchedule(CronScheduleBuilder.Create(job.Cron).InTimeZone(TimeZoneInfo.Utc)).Build();
                await scheduler.ScheduleJob(detail, trigger, cancellationToken: stoppingToken);
            }
            await scheduler.Start(stoppingToken);
            _scheduler = scheduler;
            logger.LogInformation("job scheduler started: {Jobs}", string.Join("; ", JobCatalog.All.Select(j => $"{j.Name} {j.Schedule}")));
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _scheduler = null;
            if (scheduler is not null) await scheduler.Shutdown(waitForJobsToComplete: true, CancellationToken.None);
        }
    }

    /// <summary>Makes the one job type, bound to the runner (no container lookups per firing).</summary>
    private sealed class Factory(JobRunner runner, TimeProvider time) : IJobFactory
    {
        public ValueTask<JobScope> CreateJob(TriggerFiredBundle bundle, IScheduler scheduler, CancellationToken cancellationToken) =>
            ValueTask.FromResult(new JobScope(new SnapshotJob(runner, time), null));

        public ValueTask ReturnJob(JobScope scope, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    /// <summary>One firing: the last complete period before the scheduled fire time.</summary>
    private sealed class SnapshotJob(JobRunner runner, TimeProvider time) : IJob
    {
        public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
        {
            var job = JobCatalog.Find(context.JobDetail.Key.Name) ?? throw new InvalidOperationException($"unknown job {context.JobDetail.Key.Name}");
            var at = context.ScheduledFireTimeUtc ?? time.GetUtcNow();
            await runner.RunAsync(job, [SnapshotPeriod.LastComplete(job.Type, at)], "schedule", ct: cancellationToken);
        }
    }
}
