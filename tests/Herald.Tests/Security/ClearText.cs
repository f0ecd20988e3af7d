using System.Text;
using System.Text.Json;

namespace Herald.Tests.Security;

/// <summary>Looks for known values in the bytes of a store's files: as UTF-8 and as System.Text.Json escapes them.</summary>
internal static class ClearText
{
    public static IEnumerable<(string What, byte[] Bytes)> Needles(IEnumerable<string> values)
    {
        foreach (var value in values)
        {
            yield return (value, Encoding.UTF8.GetBytes(value));
            string json = JsonSerializer.Serialize(value)[1..^1];
            if (json != value) yield return (value + " as JSON", Encoding.UTF8.GetBytes(json));
        }
    }

    public static void AssertNoneIn(string where, byte[] bytes, IEnumerable<(string What, byte[] Bytes)> needles)
    {
        foreach (var (what, needle) in needles)
            Assert.True(bytes.AsSpan().IndexOf(needle) < 0, $"{where} holds '{what}' in clear");
    }

    /// <summary>A file's bytes while a server may still hold it open; none when it does not exist.</summary>
    public static byte[] ReadShared(string path)
    {
        if (!File.Exists(path)) return [];
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        file.CopyTo(copy);
        return copy.ToArray();
    }
}
