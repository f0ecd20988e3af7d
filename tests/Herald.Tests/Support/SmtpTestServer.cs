using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Herald.Tests.Support;

/// <summary>
/// A real SMTP server for tests: Debian's aiosmtpd (python3-aiosmtpd) running Support/smtp_test_server.py on a free
/// loopback port. Every accepted mail lands as a JSON file (envelope, parsed headers, decoded body, raw data).
/// When Python or aiosmtpd is missing, starting throws: the tests fail, they do not skip.
/// </summary>
public sealed class SmtpTestServer : IAsyncDisposable
{
    private readonly Process _process;

    private SmtpTestServer(Process process, int port, string outDir)
    {
        _process = process;
        Port = port;
        OutDir = outDir;
    }

    public int Port { get; }
    public string OutDir { get; }

    /// <summary>The Python that has aiosmtpd: HERALD_TEST_PYTHON, else Debian's /usr/bin/python3 (where the apt package
    /// installs it, even when a pyenv python3 comes first on PATH), else python3 on PATH.</summary>
    public static string Python =>
        Environment.GetEnvironmentVariable("HERALD_TEST_PYTHON") is { Length: > 0 } p ? p
        : File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    public static async Task<SmtpTestServer> StartAsync(IEnumerable<string>? reject = null, string? auth = null,
        (string Cert, string Key)? tls = null)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "Support", "smtp_test_server.py");
        if (!File.Exists(script)) throw new FileNotFoundException("the SMTP test server script is not in the test output", script);
        Exception? last = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var port = FreePort();
            var outDir = Path.Combine(Path.GetTempPath(), "herald-tests", "smtp-" + Guid.NewGuid().ToString("n"));
            var psi = new ProcessStartInfo(Python)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            psi.ArgumentList.Add(script);
            foreach (var a in new[] { "--port", port.ToString(), "--out", outDir }) psi.ArgumentList.Add(a);
            foreach (var r in reject ?? []) { psi.ArgumentList.Add("--reject"); psi.ArgumentList.Add(r); }
            if (auth is not null) { psi.ArgumentList.Add("--auth"); psi.ArgumentList.Add(auth); }
            if (tls is { } t)
            {
                psi.ArgumentList.Add("--tls-cert"); psi.ArgumentList.Add(t.Cert);
                psi.ArgumentList.Add("--tls-key"); psi.ArgumentList.Add(t.Key);
            }

            Process process;
            try
            {
                process = Process.Start(psi)!;
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new InvalidOperationException($"cannot start {Python} for the SMTP test server: install python3-aiosmtpd (apt-get install -y python3-aiosmtpd)", e);
            }
            var stderr = new StringBuilder();
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
            process.BeginErrorReadLine();

            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            string? line;
            try
            {
                line = await process.StandardOutput.ReadLineAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                line = null;
            }
            if (line == "READY" && await AcceptsAsync(port))
                return new SmtpTestServer(process, port, outDir);

            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await process.WaitForExitAsync();
            string err;
            lock (stderr) err = stderr.ToString();
            last = new InvalidOperationException(
                $"the SMTP test server ({Python} + aiosmtpd) did not start on port {port}; is python3-aiosmtpd installed? stderr:\n{err}");
            if (err.Contains("No module named", StringComparison.Ordinal)) break; // no point retrying
        }
        throw last!;
    }

    /// <summary>The mails received so far, oldest first.</summary>
    public IReadOnlyList<JsonObject> Messages() =>
        Directory.Exists(OutDir)
            ? Directory.GetFiles(OutDir, "*.json").Order(StringComparer.Ordinal)
                .Select(f => JsonNode.Parse(File.ReadAllText(f))!.AsObject()).ToList()
            : [];

    /// <summary>The first received mail with this envelope recipient (waits briefly: the file is written as the server answers).</summary>
    public async Task<JsonObject> WaitForMessageToAsync(string recipient, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var found = Messages().FirstOrDefault(m => m["rcpt_tos"]!.AsArray().Any(r => (string?)r == recipient));
            if (found is not null) return found;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no mail to {recipient} arrived; got {Messages().Count} other(s)");
            await Task.Delay(25);
        }
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close(); // the script stops when its stdin closes
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        }
        _process.Dispose();
        try { Directory.Delete(OutDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
