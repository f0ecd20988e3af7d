using System.Diagnostics;

namespace Herald.Tests.Support;

/// <summary>Runs the `herald` command line as a real process on a data folder; answers its exit code and output.</summary>
internal static class HeraldCli
{
    public static async Task<(int Code, string Output)> RunAsync(string dataDir, params string[] args)
    {
        var (code, stdout, stderr) = await RunSplitAsync(dataDir, args);
        return (code, stdout + stderr);
    }

    /// <summary>The exit code, stdout and stderr apart. A process still running after a minute (a server started by mistake) is killed and fails the test.</summary>
    public static Task<(int Code, string Stdout, string Stderr)> RunSplitAsync(string dataDir, params string[] args) =>
        RunSplitAsync(dataDir, new Dictionary<string, string>(), args);

    /// <summary>As <see cref="RunSplitAsync(string, string[])"/>, with these environment variables set for the process.</summary>
    public static async Task<(int Code, string Stdout, string Stderr)> RunSplitAsync(string dataDir, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet", [typeof(Herald.Hosting.HeraldHost).Assembly.Location, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["HERALD_DATA_DIR"] = dataDir;
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment["COLUMNS"] = "250";
        foreach (var (name, value) in environment) psi.Environment[name] = value;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await p.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"`herald {string.Join(' ', args)}` was still running after a minute");
        }
        return (p.ExitCode, await stdout, await stderr);
    }
}
