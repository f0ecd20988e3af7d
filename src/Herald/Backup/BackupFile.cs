using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace Herald.Backup;

/// <summary>A backup key that does not open the backup it was given.</summary>
public sealed class WrongBackupKeyException() : Exception("wrong backup key: this backup was encrypted under another key");

/// <summary>A backup whose bytes were changed, cut short or are not a Herald backup at all.</summary>
public sealed class CorruptBackupException(string message) : Exception(message);

/// <summary>
/// The operator's backup secret with the slow part of key derivation (PBKDF2-SHA256) done once per salt, so a process that
/// writes many files (the WAL archiver) or reads many (a point-in-time restore) pays it once, not per file.
/// </summary>
public sealed class BackupKey(string secret)
{
    private const int Iterations = 210_000;
    private readonly Dictionary<string, byte[]> _masters = new(StringComparer.Ordinal);

    /// <summary>The PBKDF2 salt files written under this key carry.</summary>
    internal byte[] WritingSalt { get; } = RandomNumberGenerator.GetBytes(16);

    internal byte[] Master(ReadOnlySpan<byte> salt)
    {
        string id = Convert.ToHexString(salt);
        lock (_masters)
        {
            if (!_masters.TryGetValue(id, out var master))
                _masters[id] = master = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(secret), salt, Iterations, HashAlgorithmName.SHA256, 32);
            return master;
        }
    }
}

/// <summary>
/// Herald's backup file: a database copy, gzip-compressed and encrypted with AES-256-GCM in chunks of at most 1 MiB, so
/// neither side ever holds the whole database. The master key is derived from the operator's secret with PBKDF2-SHA256 and
/// a salt kept in the header; each file's own key is derived from it (HKDF-SHA256) with a random per-file salt, so files
/// written under one cached master never share a key, hence never a nonce. A key check in the header tells a wrong key from
/// a damaged file. Each chunk's nonce is the header's random prefix and the chunk's number, and its associated data is the
/// header, the number and whether it is the last, so chunks cannot be reordered, dropped or the file cut short unnoticed.
/// Version 1 files (a PBKDF2 key per file, no file salt) are still read.
/// </summary>
public static class BackupFile
{
    private static readonly byte[] Magic = "HERALDBK"u8.ToArray();
    private const byte Version = 2;
    private const int SaltBytes = 16;
    private const int NoncePrefixBytes = 4;
    private const int KeyCheckBytes = 16;
    private const int TagBytes = 16;
    public const int ChunkBytes = 1024 * 1024;

    /// <summary>Where a version's header keeps its parts: magic, version, PBKDF2 salt, [file salt], nonce prefix, key check.</summary>
    private readonly record struct Layout(int FileSalt, int NoncePrefix, int KeyCheck, int Length)
    {
        public static Layout Of(byte version) => version == 1
            ? new(-1, 9 + SaltBytes, 9 + SaltBytes + NoncePrefixBytes, 9 + SaltBytes + NoncePrefixBytes + KeyCheckBytes)
            : new(9 + SaltBytes, 9 + 2 * SaltBytes, 9 + 2 * SaltBytes + NoncePrefixBytes, 9 + 2 * SaltBytes + NoncePrefixBytes + KeyCheckBytes);
    }

    /// <summary>Compresses and encrypts <paramref name="plain"/> into <paramref name="output"/>; returns the bytes written.</summary>
    public static long Write(Stream plain, Stream output, string secret) => Write(plain, output, new BackupKey(secret));

    /// <summary>As <see cref="Write(Stream, Stream, string)"/>, under a key whose derivation is already done.</summary>
    public static long Write(Stream plain, Stream output, BackupKey key)
    {
        var layout = Layout.Of(Version);
        var header = new byte[layout.Length];
        Magic.CopyTo(header, 0);
        header[8] = Version;
        key.WritingSalt.CopyTo(header, 9);
        RandomNumberGenerator.Fill(header.AsSpan(layout.FileSalt, layout.KeyCheck - layout.FileSalt));
        var fileKey = FileKey(key, header, layout);
        KeyCheck(fileKey).CopyTo(header, layout.KeyCheck);
        output.Write(header);
        using var chunks = new ChunkWriter(output, fileKey, header, layout);
        using (var gzip = new GZipStream(chunks, CompressionLevel.Fastest, leaveOpen: true)) plain.CopyTo(gzip, 81920);
        chunks.Finish();
        return chunks.Written + header.Length;
    }

    /// <summary>Decrypts and decompresses a backup into <paramref name="plain"/>; throws <see cref="WrongBackupKeyException"/> or <see cref="CorruptBackupException"/>.</summary>
    public static void Read(Stream input, Stream plain, string secret) => Read(input, plain, new BackupKey(secret));

    /// <summary>As <see cref="Read(Stream, Stream, string)"/>, under a key whose derivation is cached across files.</summary>
    public static void Read(Stream input, Stream plain, BackupKey key)
    {
        var start = new byte[9];
        if (input.ReadAtLeast(start, 9, throwOnEndOfStream: false) < 9 || !start.AsSpan(0, 8).SequenceEqual(Magic))
            throw new CorruptBackupException("not a Herald backup (the header is missing)");
        if (start[8] is not (1 or Version)) throw new CorruptBackupException($"backup format version {start[8]} is not one this Herald reads");
        var layout = Layout.Of(start[8]);
        var header = new byte[layout.Length];
        start.CopyTo(header, 0);
        if (input.ReadAtLeast(header.AsSpan(9), layout.Length - 9, throwOnEndOfStream: false) < layout.Length - 9)
            throw new CorruptBackupException("not a Herald backup (the header is cut short)");
        var fileKey = FileKey(key, header, layout);
        if (!CryptographicOperations.FixedTimeEquals(KeyCheck(fileKey), header.AsSpan(layout.KeyCheck, KeyCheckBytes)))
            throw new WrongBackupKeyException();
        using var chunks = new ChunkReader(input, fileKey, header, layout);
        using var gzip = new GZipStream(chunks, CompressionMode.Decompress);
        try
        {
            gzip.CopyTo(plain, 81920);
        }
        catch (InvalidDataException e)
        {
            throw new CorruptBackupException("the backup's content is damaged: " + e.Message);
        }
    }

    /// <summary>The operator's secret: <c>HERALD_BACKUP_KEY</c>, else the file <paramref name="keyFile"/> names; null when neither is set.</summary>
    public static string? Secret(string? keyFile)
    {
        if (Environment.GetEnvironmentVariable("HERALD_BACKUP_KEY") is { Length: > 0 } fromEnvironment) return fromEnvironment;
        return keyFile is not null ? File.ReadAllText(keyFile).Trim() : null;
    }

    private static byte[] FileKey(BackupKey key, byte[] header, Layout layout)
    {
        var master = key.Master(header.AsSpan(9, SaltBytes));
        return layout.FileSalt < 0
            ? master
            : HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 32, header.AsSpan(layout.FileSalt, SaltBytes).ToArray(), "herald-backup-file"u8.ToArray());
    }

    private static byte[] KeyCheck(byte[] key) => HMACSHA256.HashData(key, "herald-backup-key-check"u8)[..KeyCheckBytes];

    private static byte[] Nonce(byte[] header, Layout layout, long index)
    {
        var nonce = new byte[12];
        header.AsSpan(layout.NoncePrefix, NoncePrefixBytes).CopyTo(nonce);
        BinaryPrimitives.WriteInt64BigEndian(nonce.AsSpan(4), index);
        return nonce;
    }

    private static byte[] AssociatedData(byte[] header, long index, bool last)
    {
        var data = new byte[header.Length + 9];
        header.CopyTo(data, 0);
        BinaryPrimitives.WriteInt64BigEndian(data.AsSpan(header.Length), index);
        data[^1] = last ? (byte)1 : (byte)0;
        return data;
    }

    /// <summary>Buffers what is written into chunks and seals each as it fills; the last one is sealed by <see cref="Finish"/>.</summary>
    private sealed class ChunkWriter(Stream output, byte[] key, byte[] header, Layout layout) : Stream
    {
        private readonly AesGcm _aes = new(key, TagBytes);
        private readonly byte[] _buffer = new byte[ChunkBytes];
        private readonly byte[] _sealed = new byte[ChunkBytes];
        private readonly byte[] _tag = new byte[TagBytes];
        private int _filled;
        private long _index;

        public long Written { get; private set; }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            while (buffer.Length > 0)
            {
                if (_filled == ChunkBytes) Seal(last: false);
                int take = Math.Min(buffer.Length, ChunkBytes - _filled);
                buffer[..take].CopyTo(_buffer.AsSpan(_filled));
                _filled += take;
                buffer = buffer[take..];
            }
        }

        public void Finish() => Seal(last: true);

        private void Seal(bool last)
        {
            _aes.Encrypt(Nonce(header, layout, _index), _buffer.AsSpan(0, _filled), _sealed.AsSpan(0, _filled), _tag, AssociatedData(header, _index, last));
            Span<byte> prefix = stackalloc byte[5];
            prefix[0] = last ? (byte)1 : (byte)0;
            BinaryPrimitives.WriteInt32BigEndian(prefix[1..], _filled);
            output.Write(prefix);
            output.Write(_sealed, 0, _filled);
            output.Write(_tag);
            Written += 5 + _filled + TagBytes;
            _index++;
            _filled = 0;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _aes.Dispose();
            base.Dispose(disposing);
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>Opens one chunk at a time and hands out its bytes; a bad tag, a missing last chunk or bytes after it are corruption.</summary>
    private sealed class ChunkReader(Stream input, byte[] key, byte[] header, Layout layout) : Stream
    {
        private readonly AesGcm _aes = new(key, TagBytes);
        private readonly byte[] _plain = new byte[ChunkBytes];
        private readonly byte[] _cipher = new byte[ChunkBytes];
        private readonly byte[] _tag = new byte[TagBytes];
        private int _offset;
        private int _length;
        private long _index;
        private bool _done;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            while (_offset == _length)
            {
                if (_done) return 0;
                Open();
            }
            int take = Math.Min(buffer.Length, _length - _offset);
            _plain.AsSpan(_offset, take).CopyTo(buffer);
            _offset += take;
            return take;
        }

        private void Open()
        {
            Span<byte> prefix = stackalloc byte[5];
            if (input.ReadAtLeast(prefix, 5, throwOnEndOfStream: false) < 5) throw new CorruptBackupException("the backup is cut short (its last chunk is missing)");
            bool last = prefix[0] == 1;
            int length = BinaryPrimitives.ReadInt32BigEndian(prefix[1..]);
            if (prefix[0] > 1 || length < 0 || length > ChunkBytes) throw new CorruptBackupException($"chunk {_index} has a damaged header");
            if (input.ReadAtLeast(_cipher.AsSpan(0, length), length, throwOnEndOfStream: false) < length
                || input.ReadAtLeast(_tag, TagBytes, throwOnEndOfStream: false) < TagBytes)
                throw new CorruptBackupException("the backup is cut short");
            try
            {
                _aes.Decrypt(Nonce(header, layout, _index), _cipher.AsSpan(0, length), _tag, _plain.AsSpan(0, length), AssociatedData(header, _index, last));
            }
            catch (AuthenticationTagMismatchException)
            {
                throw new CorruptBackupException($"chunk {_index} of the backup was changed or damaged");
            }
            if (last && input.ReadByte() >= 0) throw new CorruptBackupException("the backup has bytes after its last chunk");
            _index++;
            _offset = 0;
            _length = length;
            _done = last;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _aes.Dispose();
            base.Dispose(disposing);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
