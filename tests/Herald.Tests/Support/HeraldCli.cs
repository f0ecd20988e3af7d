using System.Diagnostics;

namespace Herald.Tests.Support;

/// <summary>Runs the `herald` command line as a real process on a data folder; answers its exit code and output.</summary>
internal static class HeraldCli
{
    public static async Task<(int Code, string Output)> RunAsync(string dataDir, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet", [typeof(Herald.Hosting.HeraldHost).Assembly.Location, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["HERALD_DATA_DIR"] = dataDir;
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment["COLUMNS"] = "250";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout + await stderr);
    }
}
