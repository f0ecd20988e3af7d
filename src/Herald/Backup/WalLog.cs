using System.Buffers.Binary;

namespace Herald.Backup;

/// <summary>A WAL file's header: the salts that tell one run of the log from the next, and the checksum its first frame chains from.</summary>
public sealed record WalHeader(int PageSize, uint Salt1, uint Salt2, uint Checksum1, uint Checksum2, bool BigEndianChecksums)
{
    /// <summary>The salts as one value, to compare runs of the log.</summary>
    public ulong Salt => ((ulong)Salt1 << 32) | Salt2;
}

/// <summary>Where reading a WAL got to: the next frame's number (1-based) and the running checksum after the frame before it.</summary>
public readonly record struct WalPosition(long NextFrame, uint Checksum1, uint Checksum2);

/// <summary>
/// Reads SQLite's write-ahead log the way SQLite's own recovery does (https://www.sqlite.org/fileformat2.html#walformat):
/// a frame counts only when its salts match the header's and its checksum continues the chain from the header, and only the
/// frames up to the last commit frame (one whose "database size" field is set) are a transaction that happened. A frame
/// being written, one left from an earlier run of the log, or a rolled-back transaction's frames all fail one of those tests.
/// </summary>
public static class WalLog
{
    public const int HeaderBytes = 32;
    public const int FrameHeaderBytes = 24;
    private const uint MagicLittleEndian = 0x377f0682, MagicBigEndian = 0x377f0683;

    /// <summary>The header, or null when the log is empty (no transaction since it was last reset) or its header is being rewritten.</summary>
    public static WalHeader? ReadHeader(FileStream wal)
    {
        Span<byte> h = stackalloc byte[HeaderBytes];
        wal.Position = 0;
        if (wal.ReadAtLeast(h, HeaderBytes, throwOnEndOfStream: false) < HeaderBytes) return null;
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(h);
        if (magic is not (MagicLittleEndian or MagicBigEndian)) return null;
        bool bigEndian = magic == MagicBigEndian;
        uint s0 = 0, s1 = 0;
        Checksum(h[..24], bigEndian, ref s0, ref s1);
        if (s0 != BinaryPrimitives.ReadUInt32BigEndian(h[24..]) || s1 != BinaryPrimitives.ReadUInt32BigEndian(h[28..])) return null;
        return new WalHeader(BinaryPrimitives.ReadInt32BigEndian(h[8..]), BinaryPrimitives.ReadUInt32BigEndian(h[16..]), BinaryPrimitives.ReadUInt32BigEndian(h[20..]), s0, s1, bigEndian);
    }

    /// <summary>The position before the log's first frame.</summary>
    public static WalPosition Start(WalHeader header) => new(1, header.Checksum1, header.Checksum2);

    /// <summary>
    /// Reads the committed frames from <paramref name="from"/> on, handing each to <paramref name="frame"/> (page number,
    /// database size when it is a commit frame else 0, page bytes); answers the position after the last commit frame. Frames
    /// after the last commit are handed over too, so the caller must keep only what precedes the answer's position.
    /// </summary>
    public static WalPosition ReadCommitted(FileStream wal, WalHeader header, WalPosition from, Action<uint, uint, ReadOnlySpan<byte>> frame)
    {
        int frameBytes = FrameHeaderBytes + header.PageSize;
        var buffer = new byte[frameBytes];
        var committed = from;
        uint s0 = from.Checksum1, s1 = from.Checksum2;
        long number = from.NextFrame;
        wal.Position = HeaderBytes + (number - 1) * frameBytes;
        while (wal.ReadAtLeast(buffer, frameBytes, throwOnEndOfStream: false) == frameBytes)
        {
            var f = buffer.AsSpan();
            if (BinaryPrimitives.ReadUInt32BigEndian(f[8..]) != header.Salt1 || BinaryPrimitives.ReadUInt32BigEndian(f[12..]) != header.Salt2) break;
            Checksum(f[..8], header.BigEndianChecksums, ref s0, ref s1);
            Checksum(f[FrameHeaderBytes..], header.BigEndianChecksums, ref s0, ref s1);
            if (s0 != BinaryPrimitives.ReadUInt32BigEndian(f[16..]) || s1 != BinaryPrimitives.ReadUInt32BigEndian(f[20..])) break;
            uint databaseSize = BinaryPrimitives.ReadUInt32BigEndian(f[4..]);
            frame(BinaryPrimitives.ReadUInt32BigEndian(f), databaseSize, f[FrameHeaderBytes..]);
            number++;
            if (databaseSize != 0) committed = new WalPosition(number, s0, s1);
        }
        return committed;
    }

    private static void Checksum(ReadOnlySpan<byte> data, bool bigEndian, ref uint s0, ref uint s1)
    {
        for (int i = 0; i < data.Length; i += 8)
        {
            uint a = bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(data[i..]) : BinaryPrimitives.ReadUInt32LittleEndian(data[i..]);
            uint b = bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(data[(i + 4)..]) : BinaryPrimitives.ReadUInt32LittleEndian(data[(i + 4)..]);
            s0 += a + s1;
            s1 += b + s0;
        }
    }
}
