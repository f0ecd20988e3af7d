using Herald.Storage;
using Quartz;
using Quartz.Extensibility;

namespace Herald.Reports.Scheduling;

/// <summary>
/// The cron side of report schedules: its own Quartz scheduler (in-memory job store, two threads), started in the
/// background with one cron trigger per stored schedule in the schedule's time zone; schedules created or deleted later
/// are added and removed as they are. A run that is still going when its next fire comes is not started twice. Triggers
/// live in memory: fires missed while the server was down are not made up. Disabled by
/// <c>Herald:Reports:SchedulesEnabled=false</c>.
/// </summary>
public sealed class ReportScheduler(IReportScheduleStore store, ScheduledReportRunner runner, TimeProvider time, ILogger<ReportScheduler> logger)
    : BackgroundService
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IScheduler? _scheduler;

    /// <summary>True once the scheduler runs.</summary>
    public bool Running => Volatile.Read(ref _scheduler) is not null;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // the host's start does not wait for the scheduler
        IScheduler? scheduler = null;
        try
        {
            await _gate.WaitAsync(stoppingToken);
            try
            {
                scheduler = await QuartzSchedulerBuilder.Create(q =>
                {
                    q.UseInMemoryStore();
                    q.UseDefaultThreadPool(2);
                    q.UseTimeProvider(time);
                    q.UseJobFactory(new Factory(runner, time));
                }).BuildScheduler(stoppingToken);
                var schedules = store.ListReportSchedules(null);
                foreach (var s in schedules) await AddTo(scheduler, s, stoppingToken);
                await scheduler.Start(stoppingToken);
                Volatile.Write(ref _scheduler, scheduler);
                logger.LogInformation("report scheduler started with {Count} schedules", schedules.Count);
            }
            finally
            {
                _gate.Release();
            }
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            Volatile.Write(ref _scheduler, null);
            if (scheduler is not null) await scheduler.Shutdown(waitForJobsToComplete: true, CancellationToken.None);
        }
    }

    /// <summary>Starts firing a schedule just stored (once the scheduler runs; until then it is loaded from the store).</summary>
    public async Task AddAsync(ReportScheduleRecord schedule, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (_scheduler is { } scheduler) await AddTo(scheduler, schedule, ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task RemoveAsync(string scheduleId, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (_scheduler is { } scheduler) await scheduler.DeleteJob(new JobKey(scheduleId), ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static async Task AddTo(IScheduler scheduler, ReportScheduleRecord s, CancellationToken ct)
    {
        var zone = Analytics.Consent.TimeZones.Find(s.TimeZone) ?? TimeZoneInfo.Utc;
        var detail = JobBuilder.Create<ScheduledReportJob>().WithIdentity(s.Id).Build();
        var trigger = TriggerBuilder.Create().WithIdentity(s.Id).ForJob(detail)
            .WithSchedule(CronScheduleBuilder.Create(s.Cron).InTimeZone(zone)).Build();
        await scheduler.ScheduleJob(detail, trigger, cancellationToken: ct);
    }

    private sealed class Factory(ScheduledReportRunner runner, TimeProvider time) : IJobFactory
    {
        public ValueTask<JobScope> CreateJob(TriggerFiredBundle bundle, IScheduler scheduler, CancellationToken cancellationToken) =>
            ValueTask.FromResult(new JobScope(new ScheduledReportJob(runner, time), null));

        public ValueTask ReturnJob(JobScope scope, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    [DisallowConcurrentExecution]
    private sealed class ScheduledReportJob(ScheduledReportRunner runner, TimeProvider time) : IJob
    {
        public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default) =>
            await runner.RunAsync(context.JobDetail.Key.Name, context.ScheduledFireTimeUtc ?? time.GetUtcNow(), cancellationToken);
    }
}
