using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Herald.Bench;

/// <summary>A real `herald serve` child process on loopback over a data directory, with an admin key.</summary>
public sealed class HeraldChild : IAsyncDisposable
{
    public const string AdminKey = "hk_bench_admin";
    private readonly Process _process;

    public Uri BaseAddress { get; }
    public int ProcessId => _process.Id;

    private HeraldChild(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public static async Task<HeraldChild> StartAsync(string dataDir, IReadOnlyDictionary<string, string>? environment = null)
    {
        int port = FreePort();
        var psi = new ProcessStartInfo("dotnet", [typeof(Herald.Hosting.HeraldHost).Assembly.Location, "serve", "--urls", $"http://127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["HERALD_DATA_DIR"] = dataDir;
        psi.Environment["HERALD_ADMIN_KEY"] = AdminKey;
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        // HERALD_BENCH_SERVER_X=V sets X=V for the server only (e.g. a GC setting), not for this client.
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
            if (e.Key is string k && k.StartsWith("HERALD_BENCH_SERVER_", StringComparison.Ordinal))
                psi.Environment[k["HERALD_BENCH_SERVER_".Length..]] = (string?)e.Value;
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("server: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var child = new HeraldChild(process, new Uri($"http://127.0.0.1:{port}"));
        using var http = new HttpClient { BaseAddress = child.BaseAddress };
        for (int i = 0; i < 300; i++)
        {
            try
            {
                if ((await http.GetAsync("/healthz")).IsSuccessStatusCode) return child;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(200);
        }
        await child.DisposeAsync();
        throw new TimeoutException("the server did not become healthy");
    }

    public HttpClient Client(string? key = AdminKey)
    {
        var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        if (key is not null) http.DefaultRequestHeaders.Add("X-API-Key", key);
        return http;
    }

    public long RssBytes()
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
                if (line.StartsWith("VmRSS:")) return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }
        catch (IOException)
        {
        }
        return 0;
    }

    /// <summary>The server's CPU time so far (user and system, all threads): on a shared machine a steadier measure of work than the wall clock.</summary>
    public TimeSpan CpuTime()
    {
        _process.Refresh();
        return _process.TotalProcessorTime;
    }

    public async ValueTask DisposeAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
