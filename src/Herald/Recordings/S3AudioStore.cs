using Herald.Backup;

namespace Herald.Recordings;

/// <summary>
/// Recordings' audio as objects <c>{prefix}{key}</c> in an S3-compatible bucket (<c>Herald:Recordings:AudioStore=s3</c>).
/// A download is spooled to a temporary file in the data directory first, since S3 needs the length and hash before the
/// bytes; reads are ranged GETs, 1 MiB at a time, so an HTTP range of a long recording fetches only what it serves.
/// </summary>
public sealed class S3AudioStore(S3Bucket bucket, string dataDir) : IAudioStore, IDisposable
{
    public const string Setting = "Herald:Recordings:S3";

    /// <inheritdoc/>
    public async Task<long> PutAsync(string key, Stream audio, CancellationToken ct)
    {
        AudioKeys.Check(key);
        string spool = Path.Combine(dataDir, $".audio-{Guid.NewGuid():n}.part");
        try
        {
            long size;
            await using (var file = new FileStream(spool, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous))
            {
                await audio.CopyToAsync(file, ct);
                size = file.Length;
            }
            await bucket.PutFileAsync(key, spool, new Dictionary<string, string>(), ct);
            return size;
        }
        finally
        {
            File.Delete(spool);
        }
    }

    /// <inheritdoc/>
    public async Task<Stream?> OpenReadAsync(string key, CancellationToken ct) =>
        await bucket.HeadAsync(AudioKeys.Check(key), ct) is { } head ? new RangedObjectStream(bucket, key, head.Length) : null;

    /// <inheritdoc/>
    public Task DeleteAsync(string key, CancellationToken ct) => bucket.DeleteAsync(AudioKeys.Check(key), ct);

    public void Dispose() => bucket.Dispose();

    /// <summary>A read-only, seekable view of one object that fetches the block holding the position when it is read.</summary>
    private sealed class RangedObjectStream(S3Bucket bucket, string key, long length) : Stream
    {
        private const int BlockBytes = 1024 * 1024;
        private byte[] _block = [];
        private long _blockStart = -1;
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => length;

        public override long Position
        {
            get => _position;
            set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position >= length || buffer.Length == 0) return 0;
            if (_blockStart < 0 || _position < _blockStart || _position >= _blockStart + _block.Length)
            {
                long end = Math.Min(length, _position + BlockBytes) - 1;
                var got = await bucket.GetAsync(key, new Amazon.S3.Model.ByteRange(_position, end), cancellationToken)
                    ?? throw new IOException($"the audio '{key}' is gone from the bucket");
                var block = new byte[end - _position + 1];
                await using (got.Body) await got.Body.ReadExactlyAsync(block, cancellationToken);
                _block = block;
                _blockStart = _position;
            }
            int offset = (int)(_position - _blockStart);
            int take = Math.Min(buffer.Length, _block.Length - offset);
            _block.AsMemory(offset, take).CopyTo(buffer);
            _position += take;
            return take;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => length + offset,
        };

        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
