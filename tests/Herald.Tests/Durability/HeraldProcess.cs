using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Herald.Tests.Durability;

/// <summary>
/// Herald as a real child process (`dotnet herald.dll serve`) from the app's own build output, with its appsettings.json
/// beside it as shipped, so a test can kill it without warning.
/// </summary>
public sealed class HeraldProcess : IDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output = new();

    private HeraldProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }
    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <param name="workingDirectory">Where the process starts (default: the test's own working directory).</param>
    public static Task<HeraldProcess> StartAsync(string dataDir, string adminKey, IDictionary<string, string>? settings = null, string? workingDirectory = null)
    {
        int port = FreePort();
        return StartAsync(dataDir, adminKey, $"http://127.0.0.1:{port}", new Uri($"http://127.0.0.1:{port}"), null, settings, workingDirectory);
    }

    /// <summary>
    /// Starts <c>herald serve --urls <paramref name="urls"/></c> and waits until <paramref name="baseAddress"/>'s /healthz
    /// answers through <paramref name="handler"/> (e.g. one that trusts a test certificate).
    /// </summary>
    public static async Task<HeraldProcess> StartAsync(string dataDir, string adminKey, string urls, Uri baseAddress, HttpMessageHandler? handler,
        IDictionary<string, string>? settings = null, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo("dotnet", [AppDll, "serve", "--urls", urls])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        psi.Environment["HERALD_DATA_DIR"] = dataDir;
        psi.Environment["HERALD_ADMIN_KEY"] = adminKey;
        foreach (var (k, v) in settings ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        var process = Process.Start(psi)!;
        var herald = new HeraldProcess(process, baseAddress);
        process.OutputDataReceived += (_, e) => herald.Append(e.Data);
        process.ErrorDataReceived += (_, e) => herald.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.BaseAddress = herald.BaseAddress;
        for (int i = 0; i < 150; i++)
        {
            try
            {
                if ((await http.GetAsync("/healthz")).IsSuccessStatusCode) return herald;
            }
            catch (HttpRequestException)
            {
            }
            if (process.HasExited) break;
            await Task.Delay(200);
        }
        herald.Dispose();
        throw new InvalidOperationException("herald did not start: " + herald.Output);
    }

    /// <summary>
    /// src/Herald's own build output (the test's bin/{configuration}/{framework} under src/Herald): unlike the copy beside
    /// the tests, it has appsettings.json next to herald.dll, as a published app does.
    /// </summary>
    public static string AppDll
    {
        get
        {
            var testBin = new DirectoryInfo(AppContext.BaseDirectory);
            var project = testBin;
            while (project is not null && !File.Exists(Path.Combine(project.FullName, "Herald.Tests.csproj"))) project = project.Parent;
            if (project?.Parent?.Parent is not { } root) throw new InvalidOperationException($"no Herald.Tests.csproj above {testBin.FullName}");
            var dll = Path.Combine(root.FullName, "src", "Herald", Path.GetRelativePath(project.FullName, testBin.FullName), "herald.dll");
            return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} is missing: build src/Herald");
        }
    }

    /// <summary>The process's resident memory now (VmRSS of /proc/&lt;pid&gt;/status), in bytes.</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        throw new InvalidOperationException("no VmRSS in /proc/<pid>/status");
    }

    /// <summary>SIGKILL: no shutdown hook, no drain, no flush.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
    }
}
