using System.Diagnostics;
using System.Reflection;

namespace Herald.Tests.Support;

/// <summary>
/// A Support folder holding a package.json and its package-lock.json: its packages are installed with <c>npm ci</c> when
/// node_modules lacks them (.ci/run installs them first). The folder comes from the assembly's metadata, so tests run from
/// the source tree.
/// </summary>
public static class NpmFolder
{
    private static readonly Dictionary<string, Lazy<Task>> Installs = [];

    /// <summary>The folder named by the assembly metadata <paramref name="metadataKey"/> (see Herald.Tests.csproj).</summary>
    public static string Path(string metadataKey) =>
        typeof(NpmFolder).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == metadataKey).Value!;

    /// <summary>Runs <c>npm ci</c> in the folder once per test run, unless <paramref name="package"/> is already there.</summary>
    public static Task EnsureInstalledAsync(string directory, string package)
    {
        Lazy<Task> install;
        lock (Installs)
            if (!Installs.TryGetValue(directory, out install!)) Installs[directory] = install = new Lazy<Task>(() => InstallAsync(directory, package));
        return install.Value;
    }

    private static async Task InstallAsync(string directory, string package)
    {
        if (File.Exists(System.IO.Path.Combine(directory, "node_modules", package, "package.json"))) return;
        var psi = new ProcessStartInfo("npm") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "ci", "--no-audit", "--no-fund" }) psi.ArgumentList.Add(a);
        using var npm = Process.Start(psi)!;
        var output = npm.StandardOutput.ReadToEndAsync();
        string errors = await npm.StandardError.ReadToEndAsync();
        await npm.WaitForExitAsync();
        if (npm.ExitCode != 0)
            throw new InvalidOperationException($"npm ci in {directory} failed ({npm.ExitCode}): {await output}\n{errors}");
    }
}
