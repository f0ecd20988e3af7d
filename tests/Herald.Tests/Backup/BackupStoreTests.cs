using System.Security.Cryptography;
using Herald.Backup;
using Herald.Outbound;
using Herald.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Tests.Backup;

/// <summary>The backup stores: a directory, and an S3-compatible bucket on a real s3rver.</summary>
public sealed class BackupStoreTests : IAsyncLifetime
{
    private const string Bucket = "herald-backups";
    private readonly string _work = Path.Combine(Path.GetTempPath(), "herald-tests", "backup-store-" + Guid.NewGuid().ToString("n"));
    private S3rverServer _s3 = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_work);
        _s3 = await S3rverServer.StartAsync(Bucket);
    }

    public async Task DisposeAsync()
    {
        await _s3.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    private IBackupStore Store(string kind) => kind == "s3"
        ? new S3BackupStore(_s3.Bucket(Bucket, "nightly/"))
        : new DirectoryBackupStore(Path.Combine(_work, "backups"));

    [Theory]
    [InlineData("directory")]
    [InlineData("s3")]
    public async Task A_store_keeps_what_is_put_lists_it_with_size_and_sha256_reads_it_back_and_deletes_it(string kind)
    {
        var store = Store(kind);
        var older = new DateTimeOffset(2026, 12, 1, 1, 30, 0, TimeSpan.Zero);
        var newer = older.AddDays(1);
        var (olderBytes, olderSha) = await PutAsync(store, BackupNames.For(older), 70_000);
        var (newerBytes, newerSha) = await PutAsync(store, BackupNames.For(newer), 1_500_000);

        var listed = await store.ListAsync(default);
        Assert.Equal([BackupNames.For(older), BackupNames.For(newer)], listed.Select(b => b.Name));
        Assert.Equal([older, newer], listed.Select(b => b.CreatedAt));
        Assert.Equal([olderBytes.Length, (long)newerBytes.Length], listed.Select(b => b.SizeBytes));
        Assert.Equal([olderSha, newerSha], listed.Select(b => b.Sha256));

        await using (var read = await store.OpenReadAsync(BackupNames.For(newer), default))
        {
            Assert.NotNull(read);
            using var copy = new MemoryStream();
            await read.CopyToAsync(copy);
            Assert.Equal(newerBytes, copy.ToArray());
        }
        Assert.Null(await store.OpenReadAsync("herald-20200101T000000Z.hbk", default));

        await store.DeleteAsync(BackupNames.For(older), default);
        Assert.Equal([BackupNames.For(newer)], (await store.ListAsync(default)).Select(b => b.Name));
        await Assert.ThrowsAsync<ArgumentException>(() => store.OpenReadAsync("../herald.db", default));
    }

    [Fact]
    public async Task The_s3_store_keeps_its_objects_under_the_prefix_in_the_bucket()
    {
        var store = Store("s3");
        var (_, sha) = await PutAsync(store, "herald-20261201T013000Z.hbk", 1000);
        using var whole = _s3.Bucket(Bucket);
        Assert.Empty(await whole.ListAsync(default)); // nothing at the top: the object is inside the prefix's "folder"
        using var prefixed = _s3.Bucket(Bucket, "nightly/");
        Assert.Equal(["herald-20261201T013000Z.hbk"], (await prefixed.ListAsync(default)).Select(k => k.Key));
        Assert.Equal(sha, (await prefixed.HeadAsync("herald-20261201T013000Z.hbk", default))!.Value.Metadata["sha256"]);
    }

    [Fact]
    public async Task An_endpoint_on_loopback_is_refused_unless_the_outbound_allow_list_names_it()
    {
        var options = new S3StoreOptions
        {
            Bucket = Bucket, ServiceUrl = _s3.ServiceUrl, ForcePathStyle = true, AccessKey = S3rverServer.AccessKey, SecretKey = S3rverServer.SecretKey,
        };
        using var guarded = new S3BackupStore(new S3Bucket(options, new OutboundConnector(OutboundPolicy.Default, NullLogger<OutboundConnector>.Instance), "Herald:Backup:S3"));
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => guarded.ListAsync(default));
        Assert.Equal(OutboundFailure.NotAllowed, OutboundFailure.Describe(refused));

        using var allowed = new S3BackupStore(new S3Bucket(options, new OutboundConnector(OutboundPolicy.Parse("127.0.0.0/8"), NullLogger<OutboundConnector>.Instance), "Herald:Backup:S3"));
        Assert.Empty(await allowed.ListAsync(default));
    }

    [Fact]
    public async Task Credentials_the_server_does_not_know_are_refused()
    {
        // s3rver checks the access key id (it does not recompute V4 signatures), so the unknown id is what is refused here.
        var options = new S3StoreOptions
        {
            Bucket = Bucket, ServiceUrl = _s3.ServiceUrl, ForcePathStyle = true, AccessKey = "AKIDUNKNOWN", SecretKey = "not-the-secret",
        };
        using var store = new S3BackupStore(new S3Bucket(options, new OutboundConnector(OutboundPolicy.Parse("127.0.0.1"), NullLogger<OutboundConnector>.Instance), "Herald:Backup:S3"));
        var e = await Assert.ThrowsAsync<Amazon.S3.AmazonS3Exception>(() => store.ListAsync(default));
        Assert.Equal("InvalidAccessKeyId", e.ErrorCode);
    }

    [Fact]
    public void Settings_that_cannot_work_stop_with_the_setting_named()
    {
        var connector = new OutboundConnector(OutboundPolicy.Default, NullLogger<OutboundConnector>.Instance);
        var e = Assert.Throws<InvalidOperationException>(() => BackupStores.Create(new BackupOptions { Store = "tape" }, _work, connector));
        Assert.Contains("Herald:Backup:Store", e.Message);
        e = Assert.Throws<InvalidOperationException>(() => BackupStores.Create(new BackupOptions { Store = "s3" }, _work, connector));
        Assert.Contains("Herald:Backup:S3:Bucket", e.Message);
        e = Assert.Throws<InvalidOperationException>(() =>
            BackupStores.Create(new BackupOptions { Store = "s3", S3 = new S3StoreOptions { Bucket = "b", ServiceUrl = "ftp://x" } }, _work, connector));
        Assert.Contains("Herald:Backup:S3:ServiceUrl", e.Message);
        e = Assert.Throws<InvalidOperationException>(() =>
            BackupStores.Create(new BackupOptions { Store = "s3", S3 = new S3StoreOptions { Bucket = "b", AccessKey = "only-the-id" } }, _work, connector));
        Assert.Contains("SecretKey", e.Message);
    }

    [Fact]
    public async Task Backup_create_to_store_puts_an_encrypted_backup_into_the_configured_bucket()
    {
        await using var server = await HeraldServer.StartAsync();
        await server.CreateTeamAsync("store-team-51c0");
        var environment = new Dictionary<string, string>
        {
            ["HERALD_BACKUP_KEY"] = "store test key",
            ["Herald__Backup__Store"] = "s3",
            ["Herald__Security__OutboundAllowList"] = "127.0.0.1",
        };
        foreach (var (name, value) in _s3.Settings("Herald:Backup:S3", Bucket, "cli/")) environment[name.Replace(":", "__", StringComparison.Ordinal)] = value!;
        var (code, stdout, stderr) = await HeraldCli.RunSplitAsync(server.DataDir, environment, "backup", "create", "--to-store");
        Assert.True(code == 0, stderr);
        Assert.Contains($"s3://{Bucket}/cli/", stdout);

        using var store = new S3BackupStore(_s3.Bucket(Bucket, "cli/"));
        var stored = Assert.Single(await store.ListAsync(default));
        Assert.True(BackupNames.TryParse(stored.Name, out var at));
        Assert.InRange(at, DateTimeOffset.UtcNow.AddMinutes(-2), DateTimeOffset.UtcNow);
        using var bytes = new MemoryStream();
        await using (var read = await store.OpenReadAsync(stored.Name, default)) await read!.CopyToAsync(bytes);
        Assert.Equal(stored.Sha256, Convert.ToHexStringLower(SHA256.HashData(bytes.ToArray())));
        using var plain = new MemoryStream();
        bytes.Position = 0;
        BackupFile.Read(bytes, plain, "store test key");
        // The backup is the database packed with the key files beside it: unpacked, the database is a SQLite file.
        string unpacked = Path.Combine(_work, Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(unpacked);
        string plainFile = Path.Combine(unpacked, "plain");
        await File.WriteAllBytesAsync(plainFile, plain.ToArray());
        BackupContents.Extract(plainFile, unpacked, Path.Combine(unpacked, "herald.db"));
        Assert.True((await File.ReadAllBytesAsync(Path.Combine(unpacked, "herald.db"))).AsSpan().StartsWith("SQLite format 3"u8));

        // Without the allow-list, the loopback endpoint is refused and nothing is stored.
        environment.Remove("Herald__Security__OutboundAllowList");
        (code, _, stderr) = await HeraldCli.RunSplitAsync(server.DataDir, environment, "backup", "create", "--to-store");
        Assert.Equal(1, code);
        Assert.Contains(OutboundFailure.NotAllowed, stderr);
        Assert.Single(await store.ListAsync(default));
        Assert.Empty(Directory.EnumerateFiles(server.DataDir, ".backup-*"));
    }

    private async Task<(byte[] Bytes, string Sha256)> PutAsync(IBackupStore store, string name, int size)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        string file = Path.Combine(_work, Guid.NewGuid().ToString("n"));
        await File.WriteAllBytesAsync(file, bytes);
        string sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        await store.PutAsync(name, file, sha, default);
        File.Delete(file);
        return (bytes, sha);
    }
}
