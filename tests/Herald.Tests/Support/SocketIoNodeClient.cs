using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Herald.Tests.Support;

/// <summary>
/// The real npm <c>socket.io-client</c> run by node (Support/socketio/client.mjs): <c>io(url, options)</c>, with every
/// client event (connect, upgrade, connect_error, disconnect, metrics:realtime) read back as a JSON line. The package is
/// installed with <c>npm ci</c> from the committed lock file when node_modules is missing (.ci/run installs it first).
/// </summary>
public sealed class SocketIoNodeClient : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<JsonObject> _events = Channel.CreateUnbounded<JsonObject>();
    private readonly List<JsonObject> _seen = [];
    private readonly Task _reading;
    private string _stderr = "";

    private SocketIoNodeClient(Process process)
    {
        _process = process;
        _reading = Task.Run(ReadAsync);
        _ = Task.Run(async () => _stderr = await process.StandardError.ReadToEndAsync());
    }

    public static string Directory => NpmFolder.Path("SocketIoClientDir");

    /// <summary>Every event the client has printed so far.</summary>
    public IReadOnlyList<JsonObject> Seen
    {
        get
        {
            lock (_seen) return _seen.ToList();
        }
    }

    /// <summary>Starts <c>io(url, options)</c>; reconnection is off unless the options turn it on.</summary>
    public static async Task<SocketIoNodeClient> StartAsync(string url, object? options = null)
    {
        await NpmFolder.EnsureInstalledAsync(Directory, "socket.io-client");
        var psi = new ProcessStartInfo("node")
        {
            WorkingDirectory = Directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("client.mjs");
        psi.ArgumentList.Add(JsonSerializer.Serialize(new { url, options = options ?? new { } }));
        return new SocketIoNodeClient(Process.Start(psi)!);
    }

    private async Task ReadAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            var node = JsonNode.Parse(line)!.AsObject();
            lock (_seen) _seen.Add(node);
            _events.Writer.TryWrite(node);
        }
        _events.Writer.TryComplete();
    }

    /// <summary>The next event named <paramref name="name"/> that satisfies <paramref name="where"/>; earlier ones are passed over.</summary>
    public async Task<JsonObject> NextAsync(string name, Func<JsonObject, bool>? where = null, double timeoutSeconds = 20)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        try
        {
            while (await _events.Reader.WaitToReadAsync(timeout.Token))
                while (_events.Reader.TryRead(out var e))
                    if ((string?)e["event"] == name && (where?.Invoke(e) ?? true)) return e;
        }
        catch (OperationCanceledException)
        {
        }
        throw new TimeoutException($"no '{name}' event came in {timeoutSeconds} s; the client saw: {string.Join("\n", Seen.Select(e => e.ToJsonString()))}\nstderr: {_stderr}");
    }

    /// <summary>Closes the socket the way the seed's page would on leaving (<c>socket.close()</c>), then waits for node to exit.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
        await _reading;
        _process.Dispose();
    }
}
