using System.Text;

namespace Herald.Storage.Sqlite;

/// <summary>
/// Error codes read as UTF-8 bytes, each turned into a string once per reader: a failure cell read allocates nothing
/// for a code already seen (a store holds a few dozen distinct codes, its cells hundreds of thousands of rows).
/// </summary>
internal sealed class InternedCodes
{
    private const int MaxStackChars = 256;
    private readonly Dictionary<string, string> _codes = new(StringComparer.Ordinal);

    public string Intern(ReadOnlySpan<byte> utf8)
    {
        if (Encoding.UTF8.GetMaxCharCount(utf8.Length) > MaxStackChars) return Add(Encoding.UTF8.GetString(utf8));
        Span<char> chars = stackalloc char[MaxStackChars];
        int n = Encoding.UTF8.GetChars(utf8, chars);
        return _codes.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(chars[..n], out var code) ? code : Add(new string(chars[..n]));
    }

    private string Add(string code)
    {
        if (!_codes.TryGetValue(code, out var known)) _codes[code] = known = code;
        return known;
    }
}
