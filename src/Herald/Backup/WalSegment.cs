using System.Buffers.Binary;

namespace Herald.Backup;

/// <summary>
/// One archived run of committed WAL frames. <see cref="FirstFrame"/> and <see cref="Salt"/> place it in the log, so a restore
/// can tell that it follows the segment before it. Every commit in it was made at or before <see cref="ToMs"/> (the end of the
/// archiver's read), and every commit made before <see cref="CompleteThroughMs"/> (the start of that read) is in it or an
/// earlier segment. Segment 0 of a generation holds no frames: it records where the base backup's snapshot stands in the log.
/// </summary>
public sealed record WalSegmentHeader(long Sequence, ulong Salt, int PageSize, long FirstFrame, int FrameCount, long CompleteThroughMs, long ToMs)
{
    /// <summary>True when <paramref name="next"/> picks up exactly where this one ends: the next frame of the same log, or the first frame of a reset log.</summary>
    public bool IsFollowedBy(WalSegmentHeader next) =>
        next.Sequence == Sequence + 1 && (next.Salt == Salt ? next.FirstFrame == FirstFrame + FrameCount : next.FirstFrame == 1);
}

/// <summary>The plain bytes of a segment (before <see cref="BackupFile"/> compresses and encrypts them): a header, then each frame's page number, commit size and page.</summary>
public static class WalSegment
{
    private static readonly byte[] Magic = "HERALDWS"u8.ToArray();
    private const byte Version = 1;
    public const int HeaderBytes = 8 + 1 + 8 + 8 + 4 + 8 + 4 + 8 + 8;

    /// <summary>A segment file's name: its sequence number, zero-padded so names sort in order.</summary>
    public static string FileName(long sequence) => $"{sequence:D10}.seg";

    /// <summary>Writes the header at the start of <paramref name="plain"/> (whose frames follow from <see cref="HeaderBytes"/>).</summary>
    public static void WriteHeader(Span<byte> plain, WalSegmentHeader header)
    {
        Magic.CopyTo(plain);
        plain[8] = Version;
        BinaryPrimitives.WriteInt64BigEndian(plain[9..], header.Sequence);
        BinaryPrimitives.WriteUInt64BigEndian(plain[17..], header.Salt);
        BinaryPrimitives.WriteInt32BigEndian(plain[25..], header.PageSize);
        BinaryPrimitives.WriteInt64BigEndian(plain[29..], header.FirstFrame);
        BinaryPrimitives.WriteInt32BigEndian(plain[37..], header.FrameCount);
        BinaryPrimitives.WriteInt64BigEndian(plain[41..], header.CompleteThroughMs);
        BinaryPrimitives.WriteInt64BigEndian(plain[49..], header.ToMs);
    }

    /// <summary>The header of a decrypted segment; throws <see cref="CorruptBackupException"/> when it is not one or its frames do not fit.</summary>
    public static WalSegmentHeader ReadHeader(ReadOnlySpan<byte> plain)
    {
        if (plain.Length < HeaderBytes || !plain[..8].SequenceEqual(Magic) || plain[8] != Version)
            throw new CorruptBackupException("not a Herald WAL segment");
        var header = new WalSegmentHeader(
            BinaryPrimitives.ReadInt64BigEndian(plain[9..]), BinaryPrimitives.ReadUInt64BigEndian(plain[17..]), BinaryPrimitives.ReadInt32BigEndian(plain[25..]),
            BinaryPrimitives.ReadInt64BigEndian(plain[29..]), BinaryPrimitives.ReadInt32BigEndian(plain[37..]),
            BinaryPrimitives.ReadInt64BigEndian(plain[41..]), BinaryPrimitives.ReadInt64BigEndian(plain[49..]));
        if (header.FrameCount < 0 || header.PageSize is < 512 or > 65536
            || plain.Length != HeaderBytes + (long)header.FrameCount * (8 + header.PageSize))
            throw new CorruptBackupException("the WAL segment's frames do not match its header");
        return header;
    }

    /// <summary>Writes each frame's page into <paramref name="database"/> in order and sizes the file as the segment's last commit says.</summary>
    public static void Apply(ReadOnlySpan<byte> plain, WalSegmentHeader header, FileStream database)
    {
        int frameBytes = 8 + header.PageSize;
        uint databaseSize = 0;
        for (int i = 0; i < header.FrameCount; i++)
        {
            var frame = plain.Slice(HeaderBytes + i * frameBytes, frameBytes);
            uint page = BinaryPrimitives.ReadUInt32BigEndian(frame);
            database.Position = (page - 1L) * header.PageSize;
            database.Write(frame[8..]);
            databaseSize = BinaryPrimitives.ReadUInt32BigEndian(frame[4..]);
        }
        if (header.FrameCount > 0)
        {
            if (databaseSize == 0) throw new CorruptBackupException("the WAL segment does not end with a commit");
            database.SetLength((long)databaseSize * header.PageSize);
        }
    }
}
