using System.Text;
using Herald.Tests.Api;
using Herald.Tests.Support;

namespace Herald.Tests.Cli;

/// <summary><c>herald backup create|verify|restore</c> as real processes beside a running server.</summary>
public sealed class BackupTests : IDisposable
{
    private const string BackupKey = "correct horse battery staple backup";
    private static readonly Dictionary<string, string> WithKey = new() { ["HERALD_BACKUP_KEY"] = BackupKey };
    private readonly string _work = Path.Combine(Path.GetTempPath(), "herald-backup-tests", Guid.NewGuid().ToString("n"));

    [Fact]
    public async Task A_backup_taken_while_ingesting_is_encrypted_verifies_and_restores_what_was_accepted_before_it()
    {
        Directory.CreateDirectory(_work);
        await using var server = await HeraldServer.StartAsync();
        const string teamName = "backup-team-7f3a91";
        var (_, key) = await server.CreateTeamAsync(teamName);
        using var client = server.Client(key);
        var phaseA = Enumerable.Range(0, 300).Select(i => Kit.Event($"a-{i}", i % 3 == 0 ? "failed" : "delivered", Kit.At(i % 50))).ToArray();
        await Kit.Ingest(client, phaseA);
        long before = Kit.Long(await Kit.Summary(client), "total");
        Assert.Equal(300, before);

        // Phase B keeps arriving while the backup is taken.
        using var stop = new CancellationTokenSource();
        int sentB = 0;
        var ingesting = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                int n = Interlocked.Add(ref sentB, 50);
                await Kit.Ingest(client, Enumerable.Range(n - 50, 50).Select(i => Kit.Event($"b-{i}", "delivered", Kit.At(i % 50))).ToArray());
            }
        });
        string backup = Path.Combine(_work, "nightly.hbk");
        var (code, stdout, stderr) = await HeraldCli.RunSplitAsync(server.DataDir, WithKey, "backup", "create", "--out", backup);
        await stop.CancelAsync();
        await ingesting;
        Assert.True(code == 0, stderr);
        Assert.Contains("backup written", stdout);

        // Encrypted: neither the team's name nor SQLite's header is in the file.
        byte[] bytes = await File.ReadAllBytesAsync(backup);
        Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(teamName)));
        Assert.Equal(-1, bytes.AsSpan().IndexOf("SQLite format 3"u8));

        (code, stdout, stderr) = await HeraldCli.RunSplitAsync(_work, WithKey, "backup", "verify", backup);
        Assert.True(code == 0, stderr);
        Assert.Contains("integrity ok", stdout);
        Assert.Contains("teams", stdout);
        (code, _, stderr) = await HeraldCli.RunSplitAsync(_work, new Dictionary<string, string> { ["HERALD_BACKUP_KEY"] = "not the key" }, "backup", "verify", backup);
        Assert.Equal(1, code);
        Assert.Contains("wrong backup key", stderr);

        // A flipped byte in the middle is found; so is a cut.
        string damaged = Path.Combine(_work, "damaged.hbk");
        var copy = (byte[])bytes.Clone();
        copy[copy.Length / 2] ^= 0x40;
        await File.WriteAllBytesAsync(damaged, copy);
        (code, _, stderr) = await HeraldCli.RunSplitAsync(_work, WithKey, "backup", "verify", damaged);
        Assert.Equal(1, code);
        Assert.Contains("changed or damaged", stderr);
        await File.WriteAllBytesAsync(damaged, bytes[..^40]);
        (code, _, stderr) = await HeraldCli.RunSplitAsync(_work, WithKey, "backup", "verify", damaged);
        Assert.Equal(1, code);

        // Restore refuses a directory that holds anything, then restores into an empty one.
        string occupied = Path.Combine(_work, "occupied");
        Directory.CreateDirectory(occupied);
        await File.WriteAllTextAsync(Path.Combine(occupied, "keep.txt"), "mine");
        (code, _, stderr) = await HeraldCli.RunSplitAsync(_work, WithKey, "backup", "restore", backup, "--data-dir", occupied);
        Assert.Equal(2, code);
        Assert.Contains("not empty", stderr);
        Assert.Equal("mine", await File.ReadAllTextAsync(Path.Combine(occupied, "keep.txt")));
        string restoredDir = Path.Combine(_work, "restored");
        (code, _, stderr) = await HeraldCli.RunSplitAsync(_work, WithKey, "backup", "restore", backup, "--data-dir", restoredDir);
        Assert.True(code == 0, stderr);
        // The key files beside the database came back too, byte for byte and owner-only.
        var keyFiles = Directory.EnumerateFiles(server.DataDir, "*.key").Select(Path.GetFileName).ToList();
        Assert.NotEmpty(keyFiles);
        foreach (var name in keyFiles)
        {
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(server.DataDir, name!)), await File.ReadAllBytesAsync(Path.Combine(restoredDir, name!)));
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(restoredDir, name!)));
        }

        long finalTotal = Kit.Long(await Kit.Summary(client), "total");
        await server.StopAsync();
        // The backup holds the sealed fields' data keys wrapped, never the master key: it comes along on its own.
        Directory.CreateDirectory(Path.Combine(restoredDir, "keys"));
        File.Copy(Path.Combine(server.DataDir, "keys", "master.key"), Path.Combine(restoredDir, "keys", "master.key"));
        await using var restored = await HeraldServer.StartAsync(dataDir: restoredDir);
        using var restoredClient = restored.Client(key);
        long restoredTotal = Kit.Long(await Kit.Summary(restoredClient), "total");
        // Everything accepted before the backup began is there, nothing that was never accepted, and the items that are there
        // are whole: phase A as it was, and a prefix-free subset of phase B's batches.
        Assert.InRange(restoredTotal, before, finalTotal);
        Assert.Equal(0, (restoredTotal - before) % 50);
        Assert.Equal(100, Kit.Long(await Kit.Summary(restoredClient), "failed"));
        var audit = await HeraldServer.ReadData(await restored.Admin.GetAsync("/api/v1/audit?resource_type=teams"));
        Assert.Contains(audit["entries"]!.AsArray(), e => e!["action"]!.GetValue<string>() == "create");
    }

    [Fact]
    public async Task Without_a_key_backup_commands_refuse_with_usage_exit_2()
    {
        Directory.CreateDirectory(_work);
        var (code, _, stderr) = await HeraldCli.RunSplitAsync(_work, "backup", "create");
        Assert.Equal(2, code);
        Assert.Contains("HERALD_BACKUP_KEY", stderr);
        (code, _, stderr) = await HeraldCli.RunSplitAsync(_work, "backup", "restore", "x.hbk");
        Assert.Equal(2, code);
        Assert.Contains("--data-dir", stderr);
    }

    public void Dispose()
    {
        if (Directory.Exists(_work)) Directory.Delete(_work, recursive: true);
    }
}
