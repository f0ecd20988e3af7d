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
/// items (see <see cref="ItemSearch"/>), so the server holds a few buffers, not the file. CSV and NDJSON rows are encoded
/// straight from the store's columns (<see cref="ItemRowEncoder"/>) into pooled chunks by the reading task, which the
/// response takes in order, a few chunks behind; XLSX rows go as cells to the sheet's writer, flushed every
/// <see cref="FlushBytes"/>. One task reads while this one writes (on two cores the two overlap). A client that goes away
/// stops both at the next write.
/// </summary>
public sealed class ItemExportResult(ItemQuery query, string format) : IResult, IEndpointMetadataProvider
{
    public const int FlushBytes = 64 * 1024;
    public const string SheetName = "Items";
    private const int BatchRows = 256, BatchesAhead = 4, MaxSliceRows = 8_192;
    // A chunk is sent as one write; a reader runs this many ahead of the response (the most memory an export holds per
    // reader). A slice's reader may run a whole slice ahead (8,192 NDJSON rows are about 4.2 MB), so the next slices are
    // read while the writer sends this one.
    private const int ChunkBytes = 64 * 1024, ChunksAhead = 16, SliceChunksAhead = 72;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var services = httpContext.RequestServices;
        var exports = services.GetRequiredService<ItemExports>();
        var stop = httpContext.RequestAborted;
        var response = httpContext.Response;
        response.ContentType = TableRowWriters.ContentType(format);
        response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileName = FileName() }.ToString();
        response.Headers.CacheControl = "no-store";

        var search = services.GetRequiredService<ItemSearch>();
        var rows = services.GetRequiredService<ItemRows>();
        var sent = new Sent();
        using var run = exports.Start();
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(stop);
        // One team's export is read by several threads at once, a slice each, and written in order; the rows of other
        // searches (and every search on a machine with one reader) come from one reader.
        int readers = services.GetRequiredService<ItemExportOptions>().ReaderThreads;
        var sliced = query.Teams.Count == 1 && readers > 1 ? search.ReadSliced(query, readers, MaxSliceRows) : null;
        Task[] reading = [];
        try
        {
            if (ItemRowEncoder.Encodes(format)) await SendEncodedAsync(response.BodyWriter, search, rows, sliced, sent, t => reading = t, stopReading.Token, stop);
            else await SendCellsAsync(response.BodyWriter, search, rows, sliced, sent, t => reading = t, stopReading.Token, stop);
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
            await Task.WhenAll(reading);
            sliced?.Dispose();
        }
        run.Finish(sent.Rows, sent.Complete && !stop.IsCancellationRequested);
    }

    /// <summary>Rows handed to the response, and whether the response got them all and its end.</summary>
    private sealed class Sent
    {
        public long Rows;
        public bool Complete;
    }

    /// <summary>CSV or NDJSON: the readers encode rows into chunks; each chunk is one write to the response, in slice order.</summary>
    private async Task SendEncodedAsync(PipeWriter body, ItemSearch search, ItemRows rows, SlicedItemReading? sliced, Sent sent,
        Action<Task[]> started, CancellationToken stopReading, CancellationToken stop)
    {
        var channels = Channels<Chunk>(sliced, sliced is null ? ChunksAhead : SliceChunksAhead);
        started(sliced is null
            ? [Task.Run(() => Reader(channels[0].Writer, w => EncodeAsync(() => search.OpenCursor(query), ItemRowEncoder.For(format, rows)!, w, stopReading), stopReading))]
            : [.. Enumerable.Range(0, sliced.Readers).Select(r => Task.Run(() => Reader(channels[r].Writer, w => EncodeSlicesAsync(sliced, r, rows, w, stopReading), stopReading)))]);
        var header = ItemRowEncoder.For(format, rows)!.Header();
        if (header.Length > 0) body.Write(header);
        for (int slice = 0; slice < (sliced?.Count ?? 1); slice++)
        {
            var from = channels[slice % channels.Length].Reader;
            while (await from.WaitToReadAsync(stop) && from.TryRead(out var chunk))
            {
                if (chunk.Bytes is null) break; // the end of a slice
                var flushed = await body.WriteAsync(chunk.Bytes.AsMemory(0, chunk.Length), stop);
                ArrayPool<byte>.Shared.Return(chunk.Bytes);
                sent.Rows += chunk.Rows;
                if (flushed.IsCanceled || flushed.IsCompleted) return;
            }
        }
        sent.Complete = await Send(body, stop);
    }

    /// <summary>XLSX: the readers make each row's cells, in batches; this task writes them to the sheet, flushing every <see cref="FlushBytes"/>.</summary>
    private async Task SendCellsAsync(PipeWriter body, ItemSearch search, ItemRows rows, SlicedItemReading? sliced, Sent sent,
        Action<Task[]> started, CancellationToken stopReading, CancellationToken stop)
    {
        var channels = Channels<object?[][]>(sliced, sliced is null ? BatchesAhead : MaxSliceRows / BatchRows + 2);
        started(sliced is null
            ? [Task.Run(() => Reader(channels[0].Writer, w => ReadAsync(search, rows, w, stopReading), stopReading))]
            : [.. Enumerable.Range(0, sliced.Readers).Select(r => Task.Run(() => Reader(channels[r].Writer, w => ReadSlicesAsync(sliced, r, rows, w, stopReading), stopReading)))]);
        var sink = new PipeSink(body);
        using (var writer = TableRowWriters.Open(format, sink, ItemColumns.All, SheetName))
        {
            for (int slice = 0; slice < (sliced?.Count ?? 1); slice++)
            {
                var from = channels[slice % channels.Length].Reader;
                while (await from.WaitToReadAsync(stop) && from.TryRead(out var batch))
                {
                    if (batch.Length == 0) break; // the end of a slice
                    foreach (var row in batch) writer.Write(row);
                    sent.Rows += batch.Length;
                    if (sink.Unflushed >= FlushBytes && !await sink.SendAsync(stop)) return;
                }
            }
        }
        sent.Complete = await sink.SendAsync(stop);
    }

    private static Channel<T>[] Channels<T>(SlicedItemReading? sliced, int ahead) =>
        [.. Enumerable.Range(0, sliced?.Readers ?? 1).Select(_ => Channel.CreateBounded<T>(new BoundedChannelOptions(ahead) { SingleReader = true, SingleWriter = true }))];

    /// <summary>Sends what is written; false when the client is gone.</summary>
    private static async ValueTask<bool> Send(PipeWriter body, CancellationToken stop)
    {
        var result = await body.FlushAsync(stop);
        return !result.IsCanceled && !result.IsCompleted;
    }

    /// <summary>Runs a reader until its end or until the writer stops it; a failure completes its channel, so the writer's read throws it.</summary>
    private static async Task Reader<T>(ChannelWriter<T> output, Func<ChannelWriter<T>, Task> read, CancellationToken stop)
    {
        Exception? failure = null;
        try
        {
            await read(output);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            failure = e;
        }
        finally
        {
            output.TryComplete(failure);
        }
    }

    /// <summary>Encoded rows in pooled arrays (null at the end of a slice), with how many rows each holds.</summary>
    private readonly record struct Chunk(byte[]? Bytes, int Length, int Rows);

    /// <summary>Encodes the cursor's rows into chunks of about <see cref="ChunkBytes"/>, handing each to the writer as it fills.</summary>
    private static async Task EncodeAsync(Func<ItemFieldCursor> open, ItemRowEncoder encoder, ChannelWriter<Chunk> chunks, CancellationToken stop)
    {
        using var cursor = open();
        var buffer = new ChunkBuffer();
        bool more = true;
        while (more)
        {
            more = Fill(cursor, encoder, buffer);
            if (buffer.Written > 0) await chunks.WriteAsync(buffer.Take(), stop);
        }
    }

    /// <summary>Encodes rows until the chunk is full (true) or the cursor ends (false).</summary>
    private static bool Fill(ItemFieldCursor cursor, ItemRowEncoder encoder, ChunkBuffer buffer)
    {
        while (buffer.Written < ChunkBytes)
        {
            if (!cursor.Next()) return false;
            encoder.Write(cursor.Current, buffer);
            buffer.Rows++;
        }
        return true;
    }

    /// <summary>Encodes slices <paramref name="reader"/>, <paramref name="reader"/> + Readers, … in turn, each followed by an end-of-slice chunk.</summary>
    private async Task EncodeSlicesAsync(SlicedItemReading sliced, int reader, ItemRows rows, ChannelWriter<Chunk> chunks, CancellationToken stop)
    {
        var encoder = ItemRowEncoder.For(format, rows)!;
        for (int slice = reader; slice < sliced.Count; slice += sliced.Readers)
        {
            await EncodeAsync(() => sliced.SliceCursor(slice, reader), encoder, chunks, stop);
            await chunks.WriteAsync(default, stop);
        }
    }

    /// <summary>Reads the search and makes its rows' cells, a batch at a time.</summary>
    private async Task ReadAsync(ItemSearch search, ItemRows rows, ChannelWriter<object?[][]> batches, CancellationToken stop)
    {
        using var reading = search.Read(query);
        await Batch(reading, rows, batches, stop);
    }

    /// <summary>
    /// Reads slices <paramref name="reader"/>, <paramref name="reader"/> + Readers, … in turn and makes their rows' cells, each
    /// slice's batches followed by an empty batch, so the writer can take the slices in order from the readers' channels.
    /// </summary>
    private static async Task ReadSlicesAsync(SlicedItemReading sliced, int reader, ItemRows rows, ChannelWriter<object?[][]> batches, CancellationToken stop)
    {
        for (int slice = reader; slice < sliced.Count; slice += sliced.Readers)
        {
            await Batch(sliced.Slice(slice, reader), rows, batches, stop);
            await batches.WriteAsync([], stop);
        }
    }

    private static async Task Batch(IEnumerable<Herald.Storage.ItemRecord> items, ItemRows rows, ChannelWriter<object?[][]> batches, CancellationToken stop)
    {
        var batch = new List<object?[]>(BatchRows);
        foreach (var item in items)
        {
            batch.Add(ItemColumns.Values(rows.Of(item)));
            if (batch.Count < BatchRows) continue;
            await batches.WriteAsync(batch.ToArray(), stop);
            batch.Clear();
        }
        if (batch.Count > 0) await batches.WriteAsync(batch.ToArray(), stop);
    }

    /// <summary>A growing buffer over pooled arrays that rows are encoded into; <see cref="Take"/> hands its array on and starts another.</summary>
    private sealed class ChunkBuffer : IBufferWriter<byte>
    {
        private byte[] _bytes = ArrayPool<byte>.Shared.Rent(ChunkBytes + ChunkBytes / 4);

        public int Written { get; private set; }
        public int Rows { get; set; }

        public Chunk Take()
        {
            var chunk = new Chunk(_bytes, Written, Rows);
            _bytes = ArrayPool<byte>.Shared.Rent(ChunkBytes + ChunkBytes / 4);
            Written = 0;
            Rows = 0;
            return chunk;
        }

        public void Advance(int count) => Written += count;

        public Memory<byte> GetMemory(int sizeHint = 0) => Reserve(sizeHint).AsMemory(Written);

        public Span<byte> GetSpan(int sizeHint = 0) => Reserve(sizeHint).AsSpan(Written);

        private byte[] Reserve(int sizeHint)
        {
            if (_bytes.Length - Written >= Math.Max(sizeHint, 1)) return _bytes;
            var larger = ArrayPool<byte>.Shared.Rent(Written + Math.Max(sizeHint, ChunkBytes));
            _bytes.AsSpan(0, Written).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_bytes);
            return _bytes = larger;
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
        public ValueTask<bool> SendAsync(CancellationToken stop)
        {
            Unflushed = 0;
            return Send(pipe, stop);
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

/// <summary>The <c>Herald:Exports</c> section.</summary>
public sealed class ItemExportOptions
{
    /// <summary>
    /// Threads that read one team's export at once, a slice each (0: one per core beyond the first, at most 4). The writer
    /// and the client's own reading take a core between them: on 2 cores a second reader measured slower for XLSX and 35 MB
    /// more memory for 12 % on CSV (docs/PERFORMANCE.md).
    /// </summary>
    public int Readers { get; set; }

    public int ReaderThreads => Readers > 0 ? Math.Min(Readers, 16) : Math.Clamp(Environment.ProcessorCount - 1, 1, 4);
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
