using System.Threading.Channels;

namespace Herald.Engine;

/// <summary>
/// Group commit: requests wait in a queue bounded by the number of events it holds; one writer drains
/// whatever is waiting (up to <see cref="IngestOptions.MaxBatchEvents"/>), writes it in one transaction,
/// then completes every request of it. A request is answered only after its transaction committed.
/// </summary>
public sealed class IngestQueue : IAsyncDisposable
{
    private readonly Channel<Pending> _channel = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly BatchWriter _writer;
    private readonly IngestOptions _options;
    private readonly ILogger _logger;
    private readonly IIngestObserver[] _observers;
    private readonly Task _loop;
    private long _queuedEvents;

    public IngestQueue(BatchWriter writer, IngestOptions options, ILogger<IngestQueue> logger, IEnumerable<IIngestObserver>? observers = null)
    {
        options.Validate();
        _writer = writer;
        _options = options;
        _logger = logger;
        _observers = observers?.ToArray() ?? [];
        _loop = Task.Factory.StartNew(RunAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    /// <summary>Events waiting for the writer.</summary>
    public long Depth => Interlocked.Read(ref _queuedEvents);
    public long EventsWritten => _writer.EventsWritten;
    public long BatchesWritten => _writer.BatchesWritten;
    public ItemFilterFill ItemFilter => _writer.ItemFilter;

    /// <summary>
    /// Queues a batch; null when the queue is full (answer 429) or shutting down. A batch larger than the whole queue is
    /// never taken (callers hold requests to <see cref="IngestOptions.MaxEventsPerRequest"/>, which is no larger).
    /// </summary>
    public Task? TryEnqueue(IngestBatch batch)
    {
        if (batch.Events.Length > _options.MaxQueuedEvents)
            throw new ArgumentException($"a batch of {batch.Events.Length} events can never fit the ingest queue (MaxQueuedEvents {_options.MaxQueuedEvents})", nameof(batch));
        long after = Interlocked.Add(ref _queuedEvents, batch.Events.Length);
        if (after > _options.MaxQueuedEvents)
        {
            Interlocked.Add(ref _queuedEvents, -batch.Events.Length);
            return null;
        }
        var pending = new Pending(batch);
        if (!_channel.Writer.TryWrite(pending))
        {
            Interlocked.Add(ref _queuedEvents, -batch.Events.Length);
            return null;
        }
        return pending.Done.Task;
    }

    private async Task RunAsync()
    {
        var reader = _channel.Reader;
        var group = new List<Pending>();
        var batches = new List<IngestBatch>();
        var idle = new IdleWait(_options.IdleFlushCheck);
        Action flush = TryFlush;
        // While idle, pending rollups still reach the store on time.
        while (await idle.WaitToReadAsync(reader, flush).ConfigureAwait(false))
        {
            int events = 0;
            while (events < _options.MaxBatchEvents && reader.TryRead(out var p))
            {
                group.Add(p);
                batches.Add(p.Batch);
                events += p.Batch.Events.Length;
            }
            bool committed = false;
            try
            {
                // Throws only when nothing of the group was stored.
                _writer.Write(batches);
                committed = true;
            }
            catch (Exception e)
            {
                _logger.LogError(e, "write batch of {Events} events failed; its requests get 503", events);
                foreach (var p in group) p.Done.TrySetException(new IngestUnavailableException("the store could not commit the batch", e));
            }
            if (committed)
            {
                foreach (var observer in _observers) Notify(observer, batches);
                foreach (var p in group) p.Done.TrySetResult();
            }
            Interlocked.Add(ref _queuedEvents, -events);
            group.Clear();
            batches.Clear();
        }
        try
        {
            _writer.Flush();
        }
        catch (Exception e)
        {
            _logger.LogError(e, "final flush failed; the events are stored and will be replayed at the next start");
        }
    }

    private void Notify(IIngestObserver observer, IReadOnlyList<IngestBatch> batches)
    {
        try
        {
            observer.OnCommitted(batches);
        }
        catch (Exception e)
        {
            // The batch is stored and counted whatever an observer does: its requests are still answered accepted.
            _logger.LogError(e, "ingest observer {Observer} failed", observer.GetType().Name);
        }
    }

    private void TryFlush()
    {
        try
        {
            _writer.FlushIfDue();
        }
        catch (Exception e)
        {
            _logger.LogError(e, "flush of pending rollups failed; retrying");
        }
    }

    /// <summary>Stops taking requests and waits until every queued one is written.</summary>
    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private sealed class Pending(IngestBatch batch)
    {
        public IngestBatch Batch { get; } = batch;
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

public sealed class IngestUnavailableException(string message, Exception inner) : Exception(message, inner);

public sealed class IngestOptions
{
    /// <summary>Events one transaction takes at most (a single larger request still goes whole).</summary>
    public int MaxBatchEvents { get; set; } = 8192;
    /// <summary>Events allowed to wait for the writer before requests are answered 429.</summary>
    public long MaxQueuedEvents { get; set; } = 50_000;
    /// <summary>Events one request may carry (an API batch or a provider callback); at most <see cref="MaxQueuedEvents"/>.</summary>
    public int MaxEventsPerRequest { get; set; } = 10_000;
    /// <summary>The largest request body Herald reads (events, provider callbacks); a larger one is answered 413.</summary>
    public long MaxBodyBytes { get; set; } = 8 * 1024 * 1024;
    /// <summary>Bytes of request bodies held at once, across all requests until each is answered; past it requests get 503.</summary>
    public long MaxBufferedBodyBytes { get; set; } = 32 * 1024 * 1024;
    /// <summary>How often an idle writer checks whether pending rollups are due for the store.</summary>
    public TimeSpan IdleFlushCheck { get; set; } = TimeSpan.FromMilliseconds(250);
    /// <summary>SQLite synchronous=FULL: survives power loss, not just a killed process, at a cost in speed.</summary>
    public bool FullSync { get; set; }

    /// <summary>Refuses settings that could not work together (Herald then does not start).</summary>
    public void Validate()
    {
        if (MaxEventsPerRequest < 1 || MaxEventsPerRequest > MaxQueuedEvents)
            throw new InvalidOperationException($"Herald:Ingest:MaxEventsPerRequest ({MaxEventsPerRequest}) must be from 1 to Herald:Ingest:MaxQueuedEvents ({MaxQueuedEvents})");
        if (MaxBodyBytes < 1024 || MaxBodyBytes > MaxBufferedBodyBytes)
            throw new InvalidOperationException($"Herald:Ingest:MaxBodyBytes ({MaxBodyBytes}) must be from 1024 to Herald:Ingest:MaxBufferedBodyBytes ({MaxBufferedBodyBytes})");
    }
}
