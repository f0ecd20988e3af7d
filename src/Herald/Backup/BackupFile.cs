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
/// Herald's backup file: a database copy, gzip-compressed and encrypted with AES-256-GCM in chunks of at most 1 MiB, so
/// neither side ever holds the whole database. The key is derived from the operator's secret with PBKDF2-SHA256 and a
/// random salt kept in the header; a key check in the header tells a wrong key from a damaged file. Each chunk's nonce is
/// the header's random prefix and the chunk's number, and its associated data is the header, the number and whether it
/// is the last, so chunks cannot be reordered, dropped or the file cut short unnoticed.
/// </summary>
public static class BackupFile
{
    private static readonly byte[] Magic = "HERALDBK"u8.ToArray();
    private const byte Version = 1;
    private const int SaltBytes = 16;
    private const int NoncePrefixBytes = 4;
    private const int KeyCheckBytes = 16;
    private const int HeaderBytes = 8 + 1 + SaltBytes + NoncePrefixBytes + KeyCheckBytes;
    private const int TagBytes = 16;
    private const int Iterations = 210_000;
    public const int ChunkBytes = 1024 * 1024;

    /// <summary>Compresses and encrypts <paramref name="plain"/> into <paramref name="output"/>; returns the bytes written.</summary>
    public static long Write(Stream plain, Stream output, string secret)
    {
        var header = new byte[HeaderBytes];
        Magic.CopyTo(header, 0);
        header[8] = Version;
        RandomNumberGenerator.Fill(header.AsSpan(9, SaltBytes + NoncePrefixBytes));
        var key = DeriveKey(secret, header.AsSpan(9, SaltBytes));
        KeyCheck(key).CopyTo(header, 9 + SaltBytes + NoncePrefixBytes);
        output.Write(header);
        using var chunks = new ChunkWriter(output, key, header);
        using (var gzip = new GZipStream(chunks, CompressionLevel.Fastest, leaveOpen: true)) plain.CopyTo(gzip, 81920);
        chunks.Finish();
        return chunks.Written + HeaderBytes;
    }

    /// <summary>Decrypts and decompresses a backup into <paramref name="plain"/>; throws <see cref="WrongBackupKeyException"/> or <see cref="CorruptBackupException"/>.</summary>
    public static void Read(Stream input, Stream plain, string secret)
    {
        var header = new byte[HeaderBytes];
        if (input.ReadAtLeast(header, HeaderBytes, throwOnEndOfStream: false) < HeaderBytes || !header.AsSpan(0, 8).SequenceEqual(Magic))
            throw new CorruptBackupException("not a Herald backup (the header is missing)");
        if (header[8] != Version) throw new CorruptBackupException($"backup format version {header[8]} is not one this Herald reads");
        var key = DeriveKey(secret, header.AsSpan(9, SaltBytes));
        if (!CryptographicOperations.FixedTimeEquals(KeyCheck(key), header.AsSpan(9 + SaltBytes + NoncePrefixBytes, KeyCheckBytes)))
            throw new WrongBackupKeyException();
        using var chunks = new ChunkReader(input, key, header);
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

    private static byte[] DeriveKey(string secret, ReadOnlySpan<byte> salt) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(secret), salt, Iterations, HashAlgorithmName.SHA256, 32);

    private static byte[] KeyCheck(byte[] key) => HMACSHA256.HashData(key, "herald-backup-key-check"u8)[..KeyCheckBytes];

    private static byte[] Nonce(byte[] header, long index)
    {
        var nonce = new byte[12];
        header.AsSpan(9 + SaltBytes, NoncePrefixBytes).CopyTo(nonce);
        BinaryPrimitives.WriteInt64BigEndian(nonce.AsSpan(4), index);
        return nonce;
    }

    private static byte[] AssociatedData(byte[] header, long index, bool last)
    {
        var data = new byte[HeaderBytes + 9];
        header.CopyTo(data, 0);
        BinaryPrimitives.WriteInt64BigEndian(data.AsSpan(HeaderBytes), index);
        data[^1] = last ? (byte)1 : (byte)0;
        return data;
    }

    /// <summary>Buffers what is written into chunks and seals each as it fills; the last one is sealed by <see cref="Finish"/>.</summary>
    private sealed class ChunkWriter(Stream output, byte[] key, byte[] header) : Stream
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
            _aes.Encrypt(Nonce(header, _index), _buffer.AsSpan(0, _filled), _sealed.AsSpan(0, _filled), _tag, AssociatedData(header, _index, last));
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
    private sealed class ChunkReader(Stream input, byte[] key, byte[] header) : Stream
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
                _aes.Decrypt(Nonce(header, _index), _cipher.AsSpan(0, length), _tag, _plain.AsSpan(0, length), AssociatedData(header, _index, last));
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
