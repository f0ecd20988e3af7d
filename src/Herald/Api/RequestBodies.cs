using System.Buffers;
using System.Numerics;
using System.Text.Json;
using Herald.Engine;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Api;

/// <summary>
/// Reads the raw bodies Herald parses itself (events, provider callbacks, alert acknowledgements, job triggers) into pooled
/// chunks of at most 64 KB, as the bytes arrive: never more than <see cref="IngestOptions.MaxBodyBytes"/> for one request (a declared
/// <c>Content-Length</c> above it is refused before reading; 413 <c>payload_too_large</c>), and never more than
/// <see cref="IngestOptions.MaxBufferedBodyBytes"/> held by all requests together until each is answered (past it, 503
/// with <c>Retry-After</c>, before the rest of the body is read). One team holds at most a quarter of that (and at least
/// one body of the largest size), so a team's slow or huge bodies cannot turn every other team away. Nothing is
/// reserved on the client's word: the next chunk is taken only once the previous one is full.
/// </summary>
public sealed class RequestBodies(IngestOptions options)
{
    public const int ChunkBytes = 64 * 1024;
    private readonly Lock _lock = new();
    private readonly Dictionary<int, long> _heldByTeam = new();
    private long _held;

    /// <summary>Bytes of chunks held by bodies being read or waiting for their answer.</summary>
    public long HeldBytes
    {
        get
        {
            lock (_lock) return _held;
        }
    }

    /// <summary>The most one team's bodies may hold at once.</summary>
    public long TeamShare => Math.Max(options.MaxBufferedBodyBytes / 4, options.MaxBodyBytes);

    /// <summary>The body of a request on behalf of <paramref name="teamId"/>, or the error answer (413, 503) when it may not be read.</summary>
    public async Task<BodyRead> ReadAsync(HttpContext http, int teamId)
    {
        var request = http.Request;
        long cap = options.MaxBodyBytes;
        long? declared = request.ContentLength;
        if (declared > cap) return new BodyRead(null, TooLarge(cap));
        var body = new RequestBody(this, teamId);
        try
        {
            long limit = declared ?? cap;
            byte[]? chunk = null;
            int filled = 0;
            while (body.Length < limit)
            {
                if (chunk is null || filled == chunk.Length)
                {
                    chunk = body.TryTakeChunk((int)Math.Min(ChunkBytes, limit - body.Length));
                    if (chunk is null)
                    {
                        http.Response.Headers.RetryAfter = "1";
                        body.Dispose();
                        return new BodyRead(null, Busy());
                    }
                    filled = 0;
                }
                // The pool may hand out more than asked: never read past the limit.
                int room = (int)Math.Min(chunk.Length - filled, limit - body.Length);
                int read = await request.Body.ReadAsync(chunk.AsMemory(filled, room), http.RequestAborted);
                if (read == 0) break;
                filled += read;
                body.Grew(read);
            }
            // Without a declared length, a byte more than the cap shows that the body is over it.
            if (declared is null && body.Length == cap && await request.Body.ReadAsync(new byte[1], http.RequestAborted) > 0)
            {
                body.Dispose();
                return new BodyRead(null, TooLarge(cap));
            }
            return new BodyRead(body, null);
        }
        catch
        {
            body.Dispose();
            throw;
        }
    }

    internal bool TryHold(int teamId, long bytes)
    {
        lock (_lock)
        {
            long team = _heldByTeam.GetValueOrDefault(teamId);
            if (_held + bytes > options.MaxBufferedBodyBytes || team + bytes > TeamShare) return false;
            _held += bytes;
            _heldByTeam[teamId] = team + bytes;
            return true;
        }
    }

    internal void Release(int teamId, long bytes)
    {
        if (bytes == 0) return;
        lock (_lock)
        {
            _held -= bytes;
            long team = _heldByTeam[teamId] - bytes;
            if (team == 0) _heldByTeam.Remove(teamId);
            else _heldByTeam[teamId] = team;
        }
    }

    public static JsonHttpResult<ErrorEnvelope> TooLarge(long cap) =>
        ApiResults.Error(StatusCodes.Status413PayloadTooLarge, "payload_too_large",
            $"the body is larger than {cap} bytes (Herald:Ingest:MaxBodyBytes); nothing was read or stored",
            new ErrorDetail("body", $"must be at most {cap} bytes"));

    private JsonHttpResult<ErrorEnvelope> Busy() =>
        ApiResults.Error(StatusCodes.Status503ServiceUnavailable, "server_busy",
            $"the server holds as many request bodies as it may ({options.MaxBufferedBodyBytes} bytes in all, Herald:Ingest:MaxBufferedBodyBytes; "
            + $"{TeamShare} bytes for one team); nothing of this request was stored, retry after 1 s");
}

/// <summary>A body that was read, or why it was not (the answer to give).</summary>
public readonly record struct BodyRead(RequestBody? Body, JsonHttpResult<ErrorEnvelope>? Error);

/// <summary>A request body in pooled chunks; disposing returns them and frees their share of the buffered bytes.</summary>
public sealed class RequestBody : IDisposable
{
    private readonly RequestBodies _owner;
    private readonly int _teamId;
    private readonly List<byte[]> _chunks = new();
    private long _held;
    private ReadOnlySequence<byte>? _bytes;

    internal RequestBody(RequestBodies owner, int teamId)
    {
        _owner = owner;
        _teamId = teamId;
    }

    public long Length { get; private set; }

    public ReadOnlySequence<byte> Bytes => _bytes ??= Sequence();

    internal byte[]? TryTakeChunk(int size)
    {
        // What the pool hands out: a power of two.
        long bytes = BitOperations.RoundUpToPowerOf2((uint)Math.Max(size, 16));
        if (!_owner.TryHold(_teamId, bytes)) return null;
        _held += bytes;
        var chunk = ArrayPool<byte>.Shared.Rent(size);
        _chunks.Add(chunk);
        return chunk;
    }

    internal void Grew(int bytes) => Length += bytes;

    /// <summary>The body's text as UTF-8, or where it is not: the offset of the first invalid byte.</summary>
    public string? Utf8Problem() =>
        Utf8Validation.FindInvalid(Bytes) is var offset and >= 0
            ? $"is not valid UTF-8 at byte offset {offset} (0x{ByteAt(offset):X2})"
            : null;

    /// <summary>Parses the body as one JSON document; on failure <paramref name="problem"/> says where and why.</summary>
    public bool TryParseJson(int maxDepth, out JsonDocument document, out string problem)
    {
        document = null!;
        problem = Utf8Problem() ?? "";
        if (problem.Length > 0) return false;
        try
        {
            document = JsonDocument.Parse(Bytes, new JsonDocumentOptions { MaxDepth = maxDepth });
            return true;
        }
        catch (JsonException e)
        {
            problem = "is not JSON: " + e.Message;
            return false;
        }
    }

    /// <summary>Reads the body as JSON of a <typeparamref name="T"/>; on failure <paramref name="problem"/> says where and why.</summary>
    public bool TryDeserialize<T>(JsonSerializerOptions options, out T? value, out string problem)
    {
        value = default;
        problem = Utf8Problem() ?? "";
        if (problem.Length > 0) return false;
        try
        {
            var reader = new Utf8JsonReader(Bytes);
            value = JsonSerializer.Deserialize<T>(ref reader, options);
            return true;
        }
        catch (JsonException e)
        {
            problem = "is not JSON of the expected shape: " + e.Message;
            return false;
        }
    }

    private byte ByteAt(long offset) => Bytes.Slice(offset, 1).FirstSpan[0];

    private ReadOnlySequence<byte> Sequence()
    {
        if (_chunks.Count <= 1) return _chunks.Count == 0 ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(_chunks[0], 0, (int)Length);
        Segment? first = null, last = null;
        long left = Length;
        foreach (var chunk in _chunks)
        {
            int length = (int)Math.Min(chunk.Length, left);
            if (length == 0) break;
            last = new Segment(chunk.AsMemory(0, length), last);
            first ??= last;
            left -= length;
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    public void Dispose()
    {
        foreach (var chunk in _chunks) ArrayPool<byte>.Shared.Return(chunk);
        _chunks.Clear();
        _bytes = null;
        Length = 0;
        _owner.Release(_teamId, _held);
        _held = 0;
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
        {
            Memory = memory;
            if (previous is null) return;
            RunningIndex = previous.RunningIndex + previous.Memory.Length;
            previous.Next = this;
        }
    }
}
