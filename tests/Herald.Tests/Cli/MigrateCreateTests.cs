using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Herald.Tests.Cli;

/// <summary><c>herald migrate create NAME</c> writes the next version's empty migration where the project keeps them, registered.</summary>
public sealed class MigrateCreateTests : IDisposable
{
    private readonly string _checkout = Path.Combine(Path.GetTempPath(), "herald-migrate-create", Guid.NewGuid().ToString("n"));

    /// <summary>The repository's own migrations folder, copied into a scratch checkout so the test writes nothing of the repository.</summary>
    private string CopyOfMigrations()
    {
        string source = HeraldRepositoryMigrations();
        string target = Path.Combine(_checkout, "src", "Herald", "Storage", "Sqlite", "Migrations");
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source, "*.cs")) File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        return target;
    }

    private async Task<(int Code, string Stdout, string Stderr)> Herald(string workingDirectory, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet", [typeof(Herald.Hosting.HeraldHost).Assembly.Location, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        psi.Environment["HERALD_DATA_DIR"] = Path.Combine(_checkout, "data");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromMinutes(1)).Token);
        return (p.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Create_writes_the_next_version_registers_it_and_prints_its_path()
    {
        string folder = CopyOfMigrations();
        int newest = Directory.EnumerateFiles(folder, "V*.cs").Select(f => int.Parse(Path.GetFileName(f)[1..4])).Max();
        string registryBefore = File.ReadAllText(Path.Combine(folder, "SqliteMigrations.cs"));

        // From a directory inside the checkout: the folder is found above it.
        string inside = Path.Combine(_checkout, "src", "Herald");
        var (code, stdout, stderr) = await Herald(inside, "migrate", "create", "add_delivery_priority");
        Assert.True(code == 0, stderr);
        string expected = Path.Combine(folder, $"V{newest + 1:D3}AddDeliveryPriority.cs");
        Assert.Equal(expected, stdout.Trim());
        string written = File.ReadAllText(expected);
        Assert.Contains($"internal static class V{newest + 1:D3}AddDeliveryPriority", written);
        Assert.Contains($"new({newest + 1}, \"add delivery priority\",", written);
        string registry = File.ReadAllText(Path.Combine(folder, "SqliteMigrations.cs"));
        Assert.Equal(registryBefore.Replace("    ];", $"        V{newest + 1:D3}AddDeliveryPriority.Migration,\n    ];"), registry);
        Assert.False(File.Exists(Path.Combine(_checkout, "data", "herald.db")), "creating a migration touched the store");

        // Its up and down are empty SQL that runs as it is.
        var sql = System.Text.RegularExpressions.Regex.Matches(written, "\"\"\"\\s*\\n(.*?)\\n\\s*\"\"\"", System.Text.RegularExpressions.RegexOptions.Singleline);
        Assert.Equal(2, sql.Count);
        using (var c = new SqliteConnection("Data Source=:memory:"))
        {
            c.Open();
            foreach (System.Text.RegularExpressions.Match m in sql)
            {
                using var cmd = c.CreateCommand();
                cmd.CommandText = m.Groups[1].Value;
                cmd.ExecuteNonQuery();
            }
        }

        // The next one takes the next version; --dir names the folder from anywhere.
        (code, stdout, _) = await Herald(Path.GetTempPath(), "migrate", "create", "index-agents", "--dir", folder);
        Assert.Equal(0, code);
        Assert.EndsWith($"V{newest + 2:D3}IndexAgents.cs", stdout.Trim());
        Assert.Contains($"V{newest + 2:D3}IndexAgents.Migration,\n    ];", File.ReadAllText(Path.Combine(folder, "SqliteMigrations.cs")));
    }

    [Fact]
    public async Task Create_refuses_a_bad_name_or_a_place_without_migrations()
    {
        Directory.CreateDirectory(_checkout);
        var (code, _, stderr) = await Herald(_checkout, "migrate", "create", "add_thing");
        Assert.Equal(2, code);
        Assert.Contains("no migrations folder", stderr);
        string folder = CopyOfMigrations();
        (code, _, stderr) = await Herald(_checkout, "migrate", "create", "drop table;");
        Assert.Equal(2, code);
        Assert.Contains("is not a migration name", stderr);
        Assert.Equal(Directory.EnumerateFiles(HeraldRepositoryMigrations()).Count(), Directory.EnumerateFiles(folder).Count());
    }

    private static string HeraldRepositoryMigrations()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!Directory.Exists(Path.Combine(root!.FullName, "src", "Herald", "Storage", "Sqlite", "Migrations"))) root = root.Parent;
        return Path.Combine(root.FullName, "src", "Herald", "Storage", "Sqlite", "Migrations");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_checkout, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
