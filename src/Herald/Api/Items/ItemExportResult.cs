using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Threading.Channels;
using System.Reflection;
using Herald.Analytics.Items;
using Herald.Reports;
using Herald.Reports.Writers;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Net.Http.Headers;

namespace Herald.Api.Items;

/// <summary>
/// An item export as the response: the rows are written to the response as they are read from one snapshot of the
/// items (see <see cref="ItemSearch"/>), flushed every <see cref="FlushBytes"/> so the server holds a buffer, not the
/// file. One task reads and makes the rows while this one writes them, a few batches apart (on two cores the two
/// overlap). A client that goes away stops both at the next flush.
/// </summary>
public sealed class ItemExportResult(ItemQuery query, string format) : IResult, IEndpointMetadataProvider
{
    public const int FlushBytes = 64 * 1024;
    public const string SheetName = "Items";
    private const int BatchRows = 256, BatchesAhead = 4, MaxSliceRows = 8_192;
    // The writer and the client's own reading take a core between them: on 2 cores a second reader measured slower for
    // XLSX and 35 MB more memory for 12 % on CSV (docs/PERFORMANCE.md), so readers only use the cores beyond those.
    private static readonly int Readers = Math.Clamp(Environment.ProcessorCount - 1, 1, 4);

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var services = httpContext.RequestServices;
        var exports = services.GetRequiredService<ItemExports>();
        var stop = httpContext.RequestAborted;
        var response = httpContext.Response;
        response.ContentType = TableRowWriters.ContentType(format);
        response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileName = FileName() }.ToString();
        response.Headers.CacheControl = "no-store";

        var body = new PipeSink(response.BodyWriter);
        long written = 0;
        bool complete = false;
        using var run = exports.Start();
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var search = services.GetRequiredService<ItemSearch>();
        var rows = services.GetRequiredService<ItemRows>();
        // One team's export is read by several threads at once, a slice each, and written in order; the rows of other
        // searches come from one reader.
        var sliced = query.Teams.Count == 1 ? search.ReadSliced(query, Readers, MaxSliceRows) : null;
        var channels = Enumerable.Range(0, sliced?.Readers ?? 1)
            .Select(_ => Channel.CreateBounded<object?[][]>(new BoundedChannelOptions(sliced is null ? BatchesAhead : MaxSliceRows / BatchRows + 2)
            { SingleReader = true, SingleWriter = true }))
            .ToArray();
        var readers = sliced is null
            ? [Task.Run(() => ReadAsync(search, rows, channels[0].Writer, stopReading.Token))]
            : Enumerable.Range(0, sliced.Readers).Select(r => Task.Run(() => ReadSlicesAsync(sliced, r, rows, channels[r].Writer, stopReading.Token))).ToArray();
        try
        {
            bool gone = false;
            using (var writer = TableRowWriters.Open(format, body, ItemColumns.All, SheetName))
            {
                for (int slice = 0; !gone && slice < (sliced?.Count ?? 1); slice++)
                {
                    var from = channels[slice % channels.Length].Reader;
                    while (!gone && await from.WaitToReadAsync(stop) && from.TryRead(out var batch))
                    {
                        if (batch.Length == 0) break; // the end of a slice
                        foreach (var row in batch) writer.Write(row);
                        written += batch.Length;
                        gone = body.Unflushed >= FlushBytes && !await body.SendAsync(stop);
                    }
                }
            }
            complete = !gone && await body.SendAsync(stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (IOException)
        {
            // The connection failed under a flush: the client is gone.
        }
        finally
        {
            await stopReading.CancelAsync();
            await Task.WhenAll(readers);
            sliced?.Dispose();
        }
        run.Finish(written, complete && !stop.IsCancellationRequested);
    }

    /// <summary>Reads the search and makes its rows, a batch at a time, until the end or until the writer stops it.</summary>
    private async Task ReadAsync(ItemSearch search, ItemRows rows, ChannelWriter<object?[][]> batches, CancellationToken stop)
    {
        Exception? failure = null;
        try
        {
            using var reading = search.Read(query);
            var batch = new List<object?[]>(BatchRows);
            foreach (var item in reading)
            {
                batch.Add(ItemColumns.Values(rows.Of(item)));
                if (batch.Count < BatchRows) continue;
                await batches.WriteAsync(batch.ToArray(), stop);
                batch.Clear();
            }
            if (batch.Count > 0) await batches.WriteAsync(batch.ToArray(), stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            failure = e; // the writer's read of the channel throws it
        }
        finally
        {
            batches.TryComplete(failure);
        }
    }

    /// <summary>
    /// Reads slices <paramref name="reader"/>, <paramref name="reader"/> + Readers, … in turn and makes their rows, each
    /// slice's batches followed by an empty batch, so the writer can take the slices in order from the readers' channels.
    /// </summary>
    private static async Task ReadSlicesAsync(SlicedItemReading sliced, int reader, ItemRows rows, ChannelWriter<object?[][]> batches, CancellationToken stop)
    {
        Exception? failure = null;
        try
        {
            var batch = new List<object?[]>(BatchRows);
            for (int slice = reader; slice < sliced.Count; slice += sliced.Readers)
            {
                foreach (var item in sliced.Slice(slice, reader))
                {
                    batch.Add(ItemColumns.Values(rows.Of(item)));
                    if (batch.Count < BatchRows) continue;
                    await batches.WriteAsync(batch.ToArray(), stop);
                    batch.Clear();
                }
                if (batch.Count > 0) await batches.WriteAsync(batch.ToArray(), stop);
                batch.Clear();
                await batches.WriteAsync([], stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            failure = e; // the writer's read of the channel throws it
        }
        finally
        {
            batches.TryComplete(failure);
        }
    }

    private string FileName()
    {
        static string Stamp(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyyMMdd'T'HHmm'Z'", CultureInfo.InvariantCulture);
        return $"items_{Stamp(query.FromMs)}_{Stamp(query.ToMs)}.{format}";
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(string),
            [TableRowWriters.ContentType(TableRowWriters.Csv), TableRowWriters.ContentType(TableRowWriters.Ndjson), TableRowWriters.ContentType(TableRowWriters.Xlsx)]));

    /// <summary>
    /// The response's pipe as a write-only stream for the writers: a write copies into the pipe's memory (never blocking
    /// on the network), and only <see cref="SendAsync"/> sends, waiting while the client is slower than the export.
    /// </summary>
    private sealed class PipeSink(PipeWriter pipe) : Stream
    {
        public long Unflushed { get; private set; }

        /// <summary>Sends what is written; false when the client is gone.</summary>
        public async ValueTask<bool> SendAsync(CancellationToken stop)
        {
            Unflushed = 0;
            var result = await pipe.FlushAsync(stop);
            return !result.IsCanceled && !result.IsCompleted;
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            pipe.Write(buffer);
            Unflushed += buffer.Length;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void WriteByte(byte value) => Write([value]);
        // The writers flush their own buffers into this stream; sending is SendAsync's.
        public override void Flush() { }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

/// <summary>The item exports this process runs and has run: how many are running, finished, and stopped by their client.</summary>
public sealed class ItemExports(ILogger<ItemExports> logger)
{
    private readonly ILogger _logger = logger;
    private int _running;
    private long _completed, _stopped, _lastRows;

    public int Running => Volatile.Read(ref _running);
    public long Completed => Interlocked.Read(ref _completed);
    /// <summary>Exports whose client went away before the end: their read stopped there.</summary>
    public long Stopped => Interlocked.Read(ref _stopped);
    /// <summary>The rows the last finished or stopped export wrote.</summary>
    public long LastRows => Interlocked.Read(ref _lastRows);

    public Run Start()
    {
        Interlocked.Increment(ref _running);
        return new Run(this);
    }

    public sealed class Run(ItemExports owner) : IDisposable
    {
        private bool _finished;

        public void Finish(long rows, bool completed)
        {
            _finished = true;
            Interlocked.Exchange(ref owner._lastRows, rows);
            if (completed) Interlocked.Increment(ref owner._completed);
            else
            {
                Interlocked.Increment(ref owner._stopped);
                owner._logger.LogInformation("item export stopped after {Rows} rows: the client went away", rows);
            }
        }

        public void Dispose()
        {
            if (!_finished) Interlocked.Exchange(ref owner._lastRows, -1);
            Interlocked.Decrement(ref owner._running);
        }
    }
}
