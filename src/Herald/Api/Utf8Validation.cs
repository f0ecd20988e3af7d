using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Herald.Api;

/// <summary>Where a byte sequence stops being UTF-8 (overlong forms, encoded surrogates and cut sequences count as invalid).</summary>
public static class Utf8Validation
{
    /// <summary>The offset of the first byte that starts no valid UTF-8 sequence, or -1 when all of it is valid.</summary>
    public static long FindInvalid(in ReadOnlySequence<byte> bytes)
    {
        if (bytes.IsSingleSegment) return FindInvalid(bytes.FirstSpan);
        long offset = 0;
        // The start of a sequence cut by a segment's end, completed from the next segment.
        Span<byte> carry = stackalloc byte[4];
        int carried = 0;
        foreach (var memory in bytes)
        {
            var span = memory.Span;
            if (carried > 0)
            {
                int take = Math.Min(4 - carried, span.Length);
                span[..take].CopyTo(carry[carried..]);
                var status = Rune.DecodeFromUtf8(carry[..(carried + take)], out _, out int used);
                if (status == OperationStatus.InvalidData) return offset - carried;
                if (status == OperationStatus.NeedMoreData)
                {
                    carried += take;
                    offset += take;
                    continue;
                }
                span = span[(used - carried)..];
                offset += used - carried;
                carried = 0;
            }
            int valid = ValidPrefix(span);
            if (valid < 0) return offset + ~valid;
            offset += valid;
            carried = span.Length - valid;
            span[valid..].CopyTo(carry);
        }
        return carried > 0 ? offset - carried : -1;
    }

    public static long FindInvalid(ReadOnlySpan<byte> span)
    {
        int valid = ValidPrefix(span);
        if (valid < 0) return ~valid;
        return valid == span.Length ? -1 : valid;
    }

    /// <summary>
    /// The length of the valid part when all that follows it is the start of a sequence the span cuts (at most 3 bytes),
    /// else the complement of the first invalid offset.
    /// </summary>
    private static int ValidPrefix(ReadOnlySpan<byte> span)
    {
        if (Utf8.IsValid(span)) return span.Length;
        int i = 0;
        while (i < span.Length)
        {
            var status = Rune.DecodeFromUtf8(span[i..], out _, out int used);
            if (status == OperationStatus.Done) i += used;
            else if (status == OperationStatus.NeedMoreData) return i;
            else return ~i;
        }
        return i;
    }
}
