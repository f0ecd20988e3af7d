namespace Herald.Engine;

/// <summary>Two arrays used in step (a sorted key and its value), as the hot paths keep them instead of a list of pairs.</summary>
internal static class ParallelArrays
{
    /// <summary>Inserts (<paramref name="a"/>, <paramref name="b"/>) at position <paramref name="i"/> of the first
    /// <paramref name="length"/> entries, doubling both arrays (at least 4) when they are full.</summary>
    public static void Insert<TA, TB>(ref TA[] first, ref TB[] second, int length, int i, TA a, TB b)
    {
        if (length == first.Length)
        {
            int size = Math.Max(4, length * 2);
            Array.Resize(ref first, size);
            Array.Resize(ref second, size);
        }
        if (i < length)
        {
            Array.Copy(first, i, first, i + 1, length - i);
            Array.Copy(second, i, second, i + 1, length - i);
        }
        first[i] = a;
        second[i] = b;
    }
}
