using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Herald.Tests.Support;

/// <summary>An answer read off a <see cref="RawHttpConnection"/>.</summary>
public sealed record RawResponse(int Status, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>
/// One HTTP/1.1 request driven by hand over a real socket: the headers (with whatever Content-Length the test declares)
/// and then body bytes when the test says, as a slow or lying client sends them. The answer is read from the moment the
/// headers are out, so an answer the server gives before the body is complete is never lost.
/// </summary>
public sealed class RawHttpConnection : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;

    private RawHttpConnection(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
        Response = Task.Run(ReadResponseAsync);
    }

    /// <summary>The answer, once it has come whole.</summary>
    public Task<RawResponse> Response { get; }

    public static async Task<RawHttpConnection> OpenAsync(Uri baseAddress, string method, string path, IEnumerable<(string Name, string Value)> headers)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(baseAddress.Host, baseAddress.Port);
        var head = new StringBuilder($"{method} {path} HTTP/1.1\r\nHost: {baseAddress.Authority}\r\n");
        foreach (var (name, value) in headers) head.Append(name).Append(": ").Append(value).Append("\r\n");
        await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes(head.Append("\r\n").ToString()));
        return new RawHttpConnection(client);
    }

    /// <summary>Sends body bytes; false when the server already closed the connection.</summary>
    public async Task<bool> SendAsync(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            await _stream.WriteAsync(bytes);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private async Task<RawResponse> ReadResponseAsync()
    {
        var buffer = new List<byte>();
        var chunk = new byte[8192];
        int headEnd;
        while ((headEnd = IndexOf(buffer, "\r\n\r\n"u8)) < 0) await Fill(buffer, chunk);
        string[] lines = Encoding.ASCII.GetString(buffer.GetRange(0, headEnd).ToArray()).Split("\r\n");
        int status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            int colon = line.IndexOf(':');
            headers[line[..colon]] = line[(colon + 1)..].Trim();
        }
        buffer.RemoveRange(0, headEnd + 4);
        var body = new List<byte>();
        if (headers.TryGetValue("Content-Length", out var length))
        {
            int n = int.Parse(length, CultureInfo.InvariantCulture);
            while (buffer.Count < n) await Fill(buffer, chunk);
            body.AddRange(buffer.GetRange(0, n));
        }
        else if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            while (true)
            {
                int lineEnd;
                while ((lineEnd = IndexOf(buffer, "\r\n"u8)) < 0) await Fill(buffer, chunk);
                int size = int.Parse(Encoding.ASCII.GetString(buffer.GetRange(0, lineEnd).ToArray()).Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                buffer.RemoveRange(0, lineEnd + 2);
                while (buffer.Count < size + 2) await Fill(buffer, chunk);
                body.AddRange(buffer.GetRange(0, size));
                buffer.RemoveRange(0, size + 2);
                if (size == 0) break;
            }
        }
        return new RawResponse(status, headers, Encoding.UTF8.GetString(body.ToArray()));
    }

    private async Task Fill(List<byte> buffer, byte[] chunk)
    {
        int read = await _stream.ReadAsync(chunk);
        if (read == 0) throw new IOException("the server closed the connection before the answer was complete");
        buffer.AddRange(chunk.AsSpan(0, read));
    }

    private static int IndexOf(List<byte> buffer, ReadOnlySpan<byte> needle)
    {
        for (int i = 0; i + needle.Length <= buffer.Count; i++)
        {
            int j = 0;
            while (j < needle.Length && buffer[i + j] == needle[j]) j++;
            if (j == needle.Length) return i;
        }
        return -1;
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
