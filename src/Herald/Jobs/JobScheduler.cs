using Herald.Backup;
using Herald.Snapshots;
using Quartz;
using Quartz.Extensibility;

namespace Herald.Jobs;

/// <summary>
/// The cron side of the jobs: a Quartz scheduler with an in-memory (RAM) job store, built and started by this hosted
/// service in the background (the web host does not wait for it) and shut down with the host. Each firing runs the
/// job's last complete period through <see cref="JobRunner"/>; the scheduled backup (<see cref="BackupRunner"/>) fires on
/// <c>Herald:Backup:Cron</c> unless <c>Herald:Backup:Enabled</c> is false. Disabled by <c>Herald:Jobs:Enabled=false</c>.
/// </summary>
public sealed class JobScheduler(JobRunner runner, BackupRunner backups, BackupOptions backupOptions, TimeProvider time, ILogger<JobScheduler> logger)
    : BackgroundService
{
    private volatile IScheduler? _scheduler;

    /// <summary>True once the scheduler runs.</summary>
    public bool Running => _scheduler is not null;

    /// <summary>When the job fires next, or null when the scheduler is not running.</summary>
    public Task<DateTimeOffset?> NextFireTimeAsync(JobDefinition job, CancellationToken ct = default) => NextFireTimeAsync(job.Name, ct);

    /// <summary>When the job named <paramref name="name"/> fires next, or null when it is not scheduled.</summary>
    public async Task<DateTimeOffset?> NextFireTimeAsync(string name, CancellationToken ct = default)
    {
        var scheduler = _scheduler;
        if (scheduler is null) return null;
        var trigger = await scheduler.GetTrigger(new TriggerKey(name), ct);
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
                q.UseJobFactory(new Factory(runner, backups, time));
            }).BuildScheduler(stoppingToken);
            foreach (var job in JobCatalog.All)
            {
                var detail = JobBuilder.Create<SnapshotJob>().WithIdentity(job.Name).WithDescription(job.Description).Build();
                var trigger = TriggerBuilder.Create(time).WithIdentity(job.Name).ForJob(detail)
                    .WithSchedule(CronScheduleBuilder.Create(job.Cron).InTimeZone(TimeZoneInfo.Utc)).Build();
                await scheduler.ScheduleJob(detail, trigger, cancellationToken: stoppingToken);
            }
            if (backupOptions.Enabled)
            {
                var detail = JobBuilder.Create<BackupJob>().WithIdentity(BackupRunner.JobName).WithDescription("A backup into the backup store, then retention").Build();
                var trigger = TriggerBuilder.Create(time).WithIdentity(BackupRunner.JobName).ForJob(detail)
                    .WithSchedule(CronScheduleBuilder.Create(backupOptions.Cron).InTimeZone(TimeZoneInfo.Utc)).Build();
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

    /// <summary>Makes the two job types, bound to their runners (no container lookups per firing).</summary>
    private sealed class Factory(JobRunner runner, BackupRunner backups, TimeProvider time) : IJobFactory
    {
        public ValueTask<JobScope> CreateJob(TriggerFiredBundle bundle, IScheduler scheduler, CancellationToken cancellationToken) =>
            ValueTask.FromResult(new JobScope(bundle.JobDetail.Key.Name == BackupRunner.JobName ? new BackupJob(backups) : new SnapshotJob(runner, time), null));

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

    /// <summary>One firing of the scheduled backup.</summary>
    private sealed class BackupJob(BackupRunner backups) : IJob
    {
        public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default) =>
            await backups.RunAsync("schedule", cancellationToken);
    }
}
