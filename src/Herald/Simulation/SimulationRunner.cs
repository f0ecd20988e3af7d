using System.Diagnostics;

namespace Herald.Simulation;

/// <summary>Where a simulation run stands: events handed to the sink so far, out of <see cref="Total"/> (null = unlimited).</summary>
/// <param name="EventsPerSecond">Average rate since the start.</param>
/// <param name="RecentEventsPerSecond">Rate since the previous report (what a live display wants).</param>
public readonly record struct SimulationProgress(
    long Sent, long? Total, TimeSpan Elapsed, double EventsPerSecond, double RecentEventsPerSecond);

/// <summary>
/// Drives a <see cref="TrafficGenerator"/> into a sink (HTTP sender, in-process ingest, file) in batches, at a
/// target rate or flat out, reporting progress: the one loop shared by <c>herald serve --demo</c>, the load
/// generator and the benchmarks.
/// </summary>
public sealed class SimulationRunner
{
    private readonly TrafficGenerator _generator;
    private readonly Func<IReadOnlyList<SimulatedEvent>, CancellationToken, Task> _sink;
    private readonly long? _totalEvents;
    private readonly int _batchSize;
    private readonly double _eventsPerSecond;
    private readonly IProgress<SimulationProgress>? _progress;

    /// <param name="generator">The traffic source.</param>
    /// <param name="sink">Receives each batch; the runner awaits it before generating the next one.</param>
    /// <param name="totalEvents">Events to produce; null runs until cancelled.</param>
    /// <param name="batchSize">Events per batch. With a target rate, batches are cut to at most a twentieth of a
    /// second of traffic so that a slow rate still flows smoothly.</param>
    /// <param name="eventsPerSecond">Target rate; 0 = as fast as the sink takes them.</param>
    /// <param name="progress">Reported every <see cref="ProgressInterval"/> and at the end (the last report has the final count).</param>
    public SimulationRunner(
        TrafficGenerator generator,
        Func<IReadOnlyList<SimulatedEvent>, CancellationToken, Task> sink,
        long? totalEvents = null,
        int batchSize = 1_000,
        double eventsPerSecond = 0,
        IProgress<SimulationProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(sink);
        if (totalEvents < 0) throw new ArgumentOutOfRangeException(nameof(totalEvents), "Must not be negative.");
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (!(eventsPerSecond >= 0) || double.IsInfinity(eventsPerSecond))
            throw new ArgumentOutOfRangeException(nameof(eventsPerSecond), "Must be a finite number, 0 or more.");
        _generator = generator;
        _sink = sink;
        _totalEvents = totalEvents;
        _batchSize = batchSize;
        _eventsPerSecond = eventsPerSecond;
        _progress = progress;
    }

    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Runs to the total (or until cancelled) and returns the final progress. On cancellation the final
    /// progress is still reported, then <see cref="OperationCanceledException"/> is thrown. A sink that only
    /// starts work (like <see cref="HttpEventSender.SendAsync"/>) needs its own flush afterwards.
    /// </summary>
    public async Task<SimulationProgress> RunAsync(CancellationToken cancellationToken = default)
    {
        long total = _totalEvents ?? long.MaxValue;
        int batchSize = _batchSize;
        if (_eventsPerSecond > 0)
            batchSize = (int)Math.Clamp(Math.Min(batchSize, _eventsPerSecond / 20), 1, batchSize);

        var clock = Stopwatch.StartNew();
        long sent = 0;
        long lastReportSent = 0;
        TimeSpan lastReport = TimeSpan.Zero;

        // Pacing: batch k may start once (sent - anchorSent) / rate seconds have passed since anchorTime.
        long anchorSent = 0;
        double anchorSeconds = 0;

        try
        {
            using var batches = _generator.GenerateBatches(total, batchSize).GetEnumerator();
            while (sent < total)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (_eventsPerSecond > 0)
                {
                    double due = anchorSeconds + (sent - anchorSent) / _eventsPerSecond;
                    double now = clock.Elapsed.TotalSeconds;
                    if (due > now)
                    {
                        await Task.Delay(TimeSpan.FromSeconds(due - now), cancellationToken).ConfigureAwait(false);
                    }
                    else if (now - due > 1)
                    {
                        // More than a second behind (slow sink): do not burst to catch up, restart the schedule.
                        anchorSent = sent;
                        anchorSeconds = now;
                    }
                }

                if (!batches.MoveNext()) break;
                var batch = batches.Current;
                await _sink(batch, cancellationToken).ConfigureAwait(false);
                sent += batch.Count;

                if (_progress is not null && clock.Elapsed - lastReport >= ProgressInterval)
                {
                    var report = Snapshot(sent, clock.Elapsed, lastReportSent, lastReport);
                    lastReportSent = sent;
                    lastReport = report.Elapsed;
                    _progress.Report(report);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _progress?.Report(Snapshot(sent, clock.Elapsed, lastReportSent, lastReport));
            throw;
        }

        var final = Snapshot(sent, clock.Elapsed, lastReportSent, lastReport);
        if (sent != lastReportSent || sent == 0) _progress?.Report(final);
        return final;
    }

    private SimulationProgress Snapshot(long sent, TimeSpan elapsed, long lastSent, TimeSpan lastAt)
    {
        double seconds = elapsed.TotalSeconds;
        double window = (elapsed - lastAt).TotalSeconds;
        return new SimulationProgress(
            sent,
            _totalEvents,
            elapsed,
            seconds > 0 ? sent / seconds : 0,
            window > 0 ? (sent - lastSent) / window : 0);
    }
}
