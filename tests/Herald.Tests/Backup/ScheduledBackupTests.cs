using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Herald.Backup;
using Herald.Tests.Support;

namespace Herald.Tests.Backup;

/// <summary>Scheduled backups through Quartz, <c>/api/v1/admin/backups</c>, and retention, on a real server and a real s3rver.</summary>
public sealed class ScheduledBackupTests : IAsyncLifetime
{
    private const string Bucket = "herald-scheduled";
    private const string Secret = "scheduled backup key 8d1f";
    private readonly string _work = Path.Combine(Path.GetTempPath(), "herald-tests", "scheduled-backup-" + Guid.NewGuid().ToString("n"));
    private S3rverServer _s3 = null!;
    private string _keyFile = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_work);
        _keyFile = Path.Combine(_work, "backup.key");
        await File.WriteAllTextAsync(_keyFile, Secret + "\n");
        _s3 = await S3rverServer.StartAsync(Bucket);
    }

    public async Task DisposeAsync()
    {
        await _s3.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task A_backup_taken_now_goes_to_the_s3_store_is_listed_decrypts_and_retention_prunes_older_ones()
    {
        // Two older scheduled backups and an operator's own file are already in the bucket.
        using var bucket = _s3.Bucket(Bucket, "herald/");
        string seed = Path.Combine(_work, "seed");
        foreach (var name in new[] { "herald-20261101T013000Z.hbk", "herald-20261102T013000Z.hbk", "before-upgrade.hbk" })
        {
            await File.WriteAllTextAsync(seed, "old " + name);
            await bucket.PutFileAsync(name, seed, new Dictionary<string, string>(), default);
        }
        var settings = _s3.Settings("Herald:Backup:S3", Bucket, "herald/");
        settings["Herald:Backup:Store"] = "s3";
        settings["Herald:Backup:KeyFile"] = _keyFile;
        settings["Herald:Backup:KeepDaily"] = "1";
        settings["Herald:Backup:KeepWeekly"] = "0";
        settings["Herald:Security:OutboundAllowList"] = "127.0.0.1";
        await using var server = await HeraldServer.StartAsync(settings);
        var (_, teamKey) = await server.CreateTeamAsync("scheduled-team-3e9b");

        var run = await HeraldServer.ReadData(await server.Admin.PostAsync("/api/v1/admin/backups", null));
        Assert.Equal("success", (string?)run["status"]);
        Assert.Equal("manual", (string?)run["trigger"]);
        Assert.Equal("s3", (string?)run["store"]);
        string backup = (string)run["backup"]!;
        Assert.Equal(["herald-20261101T013000Z.hbk", "herald-20261102T013000Z.hbk"], run["deleted"]!.AsArray().Select(n => (string)n!));

        var list = await HeraldServer.ReadData(await server.Admin.GetAsync("/api/v1/admin/backups"));
        Assert.Equal("s3", (string?)list["store"]);
        Assert.Equal($"s3://{Bucket}/herald/", (string?)list["location"]);
        var backups = list["backups"]!.AsArray();
        Assert.Equal([backup, "before-upgrade.hbk"], backups.Select(b => (string)b!["name"]!));
        var listed = backups[0]!;
        Assert.Equal((long)run["size_bytes"]!, (long)listed["size_bytes"]!);
        Assert.Equal((string?)run["sha256"], (string?)listed["sha256"]);
        Assert.Equal("s3", (string?)listed["store"]);
        Assert.True(BackupNames.TryParse(backup, out var at));
        Assert.Equal(Herald.Domain.Timestamps.Iso(at), (string?)listed["created_at"]);

        // What is in the bucket is the encrypted database, with the hash the list shows.
        var got = await bucket.GetAsync(backup, null, default);
        using var bytes = new MemoryStream();
        await using (got!.Value.Body) await got.Value.Body.CopyToAsync(bytes);
        Assert.Equal((string?)listed["sha256"], Convert.ToHexStringLower(SHA256.HashData(bytes.ToArray())));
        bytes.Position = 0;
        using var plain = new MemoryStream();
        BackupFile.Read(bytes, plain, Secret);
        Assert.True(plain.ToArray().AsSpan().IndexOf("scheduled-team-3e9b"u8) >= 0);

        // Admin keys only: a team's admin-scoped key is refused, and bad query values get 400 naming the field.
        using var team = server.Client(teamKey);
        Assert.Equal(HttpStatusCode.Forbidden, (await team.GetAsync("/api/v1/admin/backups")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await team.PostAsync("/api/v1/admin/backups", null)).StatusCode);
        var bad = await server.Admin.GetAsync("/api/v1/admin/backups?limit=0");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("limit", await bad.Content.ReadAsStringAsync());
        Assert.Single((await HeraldServer.ReadData(await server.Admin.GetAsync("/api/v1/admin/backups?limit=1")))["backups"]!.AsArray());
        // Nothing is left behind in the data directory by a run.
        Assert.Empty(Directory.EnumerateFiles(server.DataDir, ".backup-*"));
    }

    [Fact]
    public async Task The_cron_schedule_takes_backups_into_the_directory_store_and_the_jobs_endpoint_shows_the_job()
    {
        // A daily schedule whose time is a few seconds from now, so it fires once during the test.
        var fireAt = DateTimeOffset.UtcNow.AddSeconds(10);
        await using var server = await HeraldServer.StartAsync(new()
        {
            ["Herald:Backup:Cron"] = $"{fireAt.Second} {fireAt.Minute} {fireAt.Hour} * * ?",
            ["Herald:Backup:KeyFile"] = _keyFile,
        });
        JsonNode? job = null;
        for (int i = 0; i < 120 && (job is null || (long)job["runs"]! < 1); i++)
        {
            await Task.Delay(250);
            var jobs = (await HeraldServer.ReadData(await server.Admin.GetAsync("/api/v1/jobs"))).AsArray();
            job = jobs.Single(j => (string?)j!["name"] == "scheduled-backup");
        }
        Assert.NotNull(job);
        Assert.True((long)job["runs"]! >= 1, job.ToJsonString());
        Assert.Equal("backup", (string?)job["type"]);
        Assert.True((bool)job["scheduled"]!);
        Assert.StartsWith(Herald.Domain.Timestamps.Iso(fireAt.AddDays(1))[..10], (string?)job["next_fire_time"]); // tomorrow, same time
        Assert.Equal("success", (string?)job["last_status"]);
        Assert.Equal("schedule", (string?)job["last_backup"]!["trigger"]);
        Assert.Equal("directory", (string?)job["last_backup"]!["store"]);

        string name = (string)job["last_backup"]!["backup"]!;
        var list = await HeraldServer.ReadData(await server.Admin.GetAsync("/api/v1/admin/backups"));
        Assert.Equal("directory", (string?)list["store"]);
        Assert.Equal(Path.Combine(server.DataDir, "backups"), (string?)list["location"]);
        var listed = Assert.Single(list["backups"]!.AsArray())!;
        Assert.Equal(name, (string?)listed["name"]);
        string file = Path.Combine(server.DataDir, "backups", name);
        Assert.Equal(new FileInfo(file).Length, (long)listed["size_bytes"]!);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(file))), (string?)listed["sha256"]);
        Assert.Equal($"{(string)listed["sha256"]!}  {name}\n", await File.ReadAllTextAsync(file + ".sha256"));
    }

    [Fact]
    public async Task Without_a_backup_key_a_run_fails_and_says_why()
    {
        await using var server = await HeraldServer.StartAsync();
        var run = await HeraldServer.ReadData(await server.Admin.PostAsync("/api/v1/admin/backups", null));
        Assert.Equal("error", (string?)run["status"]);
        Assert.Contains("HERALD_BACKUP_KEY", (string?)run["error"]);
        Assert.Null(run["backup"]);
        var job = (await HeraldServer.ReadData(await server.Admin.GetAsync("/api/v1/jobs"))).AsArray().Single(j => (string?)j!["name"] == "scheduled-backup")!;
        Assert.Equal(1, (long)job["failed_runs"]!);
        Assert.Equal("error", (string?)job["last_status"]);
    }

    [Fact]
    public async Task A_cron_expression_that_cannot_work_stops_the_start()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => HeraldServer.StartAsync(new() { ["Herald:Backup:Cron"] = "every night" }));
        Assert.Contains("Herald:Backup:Cron", e.Message);
    }
}
