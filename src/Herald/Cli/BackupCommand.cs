using System.CommandLine;
using System.Globalization;
using Herald.Backup;
using Herald.Hosting;
using Herald.Outbound;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Data.Sqlite;
using Spectre.Console;

namespace Herald.Cli;

/// <summary>
/// <c>herald backup create|verify|restore</c>: an online, consistent copy of the database (<c>VACUUM INTO</c>, never a file
/// copy), compressed and encrypted (<see cref="BackupFile"/>) under <c>HERALD_BACKUP_KEY</c> or <c>--key-file</c>.
/// </summary>
public static class BackupCommand
{
    public const int Failed = 1;

    public static Command Create()
    {
        var command = new Command("backup", "Encrypted backups of the database: create one while the server runs, verify one, restore one");
        command.Subcommands.Add(CreateBackup());
        command.Subcommands.Add(VerifyBackup());
        command.Subcommands.Add(RestoreBackup());
        return command;
    }

    private static Option<string?> KeyFileOption() =>
        new("--key-file") { Description = "A file holding the backup key (HERALD_BACKUP_KEY, when set, is used instead)" };

    private static Command CreateBackup()
    {
        var output = new Option<string?>("--out") { Description = "The backup file to write (default: <data dir>/backups/herald-<UTC time>.hbk)" };
        var toStore = new Option<bool>("--to-store") { Description = "Put the backup into the configured backup store (Herald:Backup:Store) instead of a file" };
        var keyFile = KeyFileOption();
        var create = new Command("create", "Take a consistent copy of the database while the server keeps ingesting, compressed and encrypted") { output, toStore, keyFile };
        create.SetAction(async (parse, ct) =>
        {
            if (Secret(parse.GetValue(keyFile)) is not { } secret) return HeraldCli.UsageError;
            var configuration = HeraldConfiguration.Load();
            var options = HeraldConfiguration.Options(configuration);
            if (!File.Exists(options.DatabasePath))
            {
                Console.Error.WriteLine($"herald: no database at {options.DatabasePath} (set HERALD_DATA_DIR)");
                return Failed;
            }
            if (parse.GetValue(toStore) && parse.GetValue(output) is not null)
            {
                Console.Error.WriteLine("herald: give --out or --to-store, not both");
                return HeraldCli.UsageError;
            }
            string name = BackupNames.For(DateTimeOffset.UtcNow);
            if (parse.GetValue(toStore)) return await CreateInStoreAsync(configuration, options, name, secret, ct);
            string target = parse.GetValue(output) ?? Path.Combine(options.DataDir, "backups", name);
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(target))!);
            var written = BackupSnapshot.Write(options.DatabasePath, target, secret);
            using (var store = MigrateCommand.OpenStore()) AuditCommand.Record(store, "create", "backups", Path.GetFileName(target), null, 0);
            AnsiConsole.MarkupLineInterpolated(
                $"[green]backup written[/]: {target} ({written.SizeBytes.ToString("N0", CultureInfo.InvariantCulture)} bytes from a {written.DatabaseBytes.ToString("N0", CultureInfo.InvariantCulture)}-byte database)");
            return 0;
        });
        return create;
    }

    /// <summary>Writes the backup aside in the data directory, then puts it into the configured store (no retention: the schedule prunes).</summary>
    private static async Task<int> CreateInStoreAsync(IConfiguration configuration, HeraldOptions options, string name, string secret, CancellationToken ct)
    {
        var backupOptions = configuration.GetSection("Herald:Backup").Get<BackupOptions>() ?? new BackupOptions();
        var connector = new OutboundConnector(OutboundPolicy.Parse(configuration[OutboundPolicy.AllowListSetting]), NullLogger<OutboundConnector>.Instance);
        var store = BackupStores.Create(backupOptions, options.DataDir, connector);
        string temp = Path.Combine(options.DataDir, $".backup-{Guid.NewGuid():n}.hbk");
        try
        {
            var written = BackupSnapshot.Write(options.DatabasePath, temp, secret);
            await store.PutAsync(name, temp, written.Sha256, ct);
            using (var sqlite = MigrateCommand.OpenStore()) AuditCommand.Record(sqlite, "create", "backups", name, null, 0);
            AnsiConsole.MarkupLineInterpolated(
                $"[green]backup stored[/]: {name} in {store.Location} ({written.SizeBytes.ToString("N0", CultureInfo.InvariantCulture)} bytes, sha256 {written.Sha256})");
            return 0;
        }
        catch (Exception e) when (e is Amazon.Runtime.AmazonServiceException or Amazon.Runtime.AmazonClientException or IOException or HttpRequestException)
        {
            Console.Error.WriteLine($"herald: the backup store {store.Location} refused the backup: {OutboundFailure.Describe(e)} ({e.Message})");
            return Failed;
        }
        finally
        {
            File.Delete(temp);
            (store as IDisposable)?.Dispose();
        }
    }

    private static Command VerifyBackup()
    {
        var file = new Argument<string>("file") { Description = "The backup file" };
        var keyFile = KeyFileOption();
        var verify = new Command("verify", "Decrypt a backup, check the database's integrity and print its row counts") { file, keyFile };
        verify.SetAction(parse =>
        {
            if (Secret(parse.GetValue(keyFile)) is not { } secret) return HeraldCli.UsageError;
            string work = Path.Combine(Path.GetTempPath(), $"herald-verify-{Guid.NewGuid():n}");
            Directory.CreateDirectory(work);
            try
            {
                string database = Path.Combine(work, BackupContents.DatabaseName);
                IReadOnlyList<string> keyFiles;
                try
                {
                    if (!Decrypt(parse.GetValue(file)!, Path.Combine(work, "backup.plain"), secret)) return Failed;
                    keyFiles = BackupContents.Extract(Path.Combine(work, "backup.plain"), work, database);
                }
                catch (CorruptBackupException e)
                {
                    Console.Error.WriteLine("herald: " + e.Message);
                    return Failed;
                }
                var (integrity, counts) = Inspect(database);
                if (integrity != "ok")
                {
                    Console.Error.WriteLine($"herald: the backup's database fails its integrity check: {integrity}");
                    return Failed;
                }
                var table = new Table().AddColumns("table", "rows");
                foreach (var (name, rows) in counts) table.AddRow(name, rows.ToString("N0", CultureInfo.InvariantCulture));
                AnsiConsole.MarkupLine("[green]backup verified[/]: integrity ok");
                AnsiConsole.Write(table);
                AnsiConsole.MarkupLineInterpolated($"key files: {(keyFiles.Count == 0 ? "none" : string.Join(", ", keyFiles))}");
                return 0;
            }
            finally
            {
                SqliteConnection.ClearAllPools();
                Directory.Delete(work, recursive: true);
            }
        });
        return verify;
    }

    private static Command RestoreBackup()
    {
        var file = new Argument<string>("file")
        {
            Description = "A backup file, or the WAL archive (its directory, a generation's directory or a generation's base.hbk)",
        };
        var dataDir = new Option<string>("--data-dir") { Description = "An empty (or new) data directory to restore into", Required = true };
        var at = new Option<string?>("--at")
        {
            Description = "Restore the state as of this time (RFC 3339, e.g. 2026-12-07T15:04:05Z) from the WAL archive; default: the newest archived state",
        };
        var keyFile = KeyFileOption();
        var restore = new Command("restore", "Restore a backup, or the WAL archive as of a point in time, into an empty data directory") { file, dataDir, at, keyFile };
        restore.SetAction(parse =>
        {
            if (Secret(parse.GetValue(keyFile)) is not { } secret) return HeraldCli.UsageError;
            string dir = parse.GetValue(dataDir)!, source = parse.GetValue(file)!;
            long? atMs = null;
            if (parse.GetValue(at) is { } atText)
            {
                if (!Herald.Domain.Timestamp.TryParse(atText, null, out var time))
                {
                    Console.Error.WriteLine($"herald: --at '{atText}' is not a time with a zone (RFC 3339, e.g. 2026-12-07T15:04:05Z)");
                    return HeraldCli.UsageError;
                }
                atMs = time.Value.ToUnixTimeMilliseconds();
            }
            string? archive = WalArchive.ArchiveSource(source);
            if (atMs is not null && archive is null)
            {
                Console.Error.WriteLine($"herald: --at needs the WAL archive (its directory, a generation's directory or its base.hbk); {source} is a single backup");
                return HeraldCli.UsageError;
            }
            if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
            {
                Console.Error.WriteLine($"herald: {dir} is not empty; restore only into an empty or new data directory");
                return HeraldCli.UsageError;
            }
            Directory.CreateDirectory(dir);
            string partial = Path.Combine(dir, "herald.db.restoring");
            string done;
            try
            {
                if (archive is null)
                {
                    string plain = Path.Combine(dir, "backup.restoring");
                    if (!Decrypt(source, plain, secret))
                    {
                        Empty(dir);
                        return Failed;
                    }
                    var keyFiles = BackupContents.Extract(plain, dir, partial);
                    done = $"the backup and {keyFiles.Count} key file(s)";
                }
                else
                {
                    var key = new BackupKey(secret);
                    var result = WalArchive.Restore(WalArchive.Choose(archive, atMs, key), atMs ?? long.MaxValue, dir, partial, key);
                    done = $"generation {result.Generation}'s base, {result.KeyFiles.Count} key file(s) and {result.Segments} WAL segment(s): the state as of {Herald.Domain.Timestamps.Iso(result.StateAtMs)}";
                }
            }
            catch (OutsideArchiveException e)
            {
                Empty(dir);
                Console.Error.WriteLine("herald: " + e.Message);
                return HeraldCli.UsageError;
            }
            catch (Exception e) when (e is WrongBackupKeyException or CorruptBackupException or FileNotFoundException or DirectoryNotFoundException)
            {
                Empty(dir);
                Console.Error.WriteLine("herald: " + e.Message);
                return Failed;
            }
            var (integrity, _) = Inspect(partial);
            SqliteConnection.ClearAllPools();
            if (integrity != "ok")
            {
                Empty(dir);
                Console.Error.WriteLine($"herald: the restored database fails its integrity check: {integrity}");
                return Failed;
            }
            File.Move(partial, Path.Combine(dir, BackupContents.DatabaseName));
            AnsiConsole.MarkupLineInterpolated($"[green]restored[/] {done} into {dir}; start it with HERALD_DATA_DIR={dir} herald serve");
            return 0;
        });
        return restore;
    }

    /// <summary>Removes what a failed restore wrote into the directory, which was empty before it.</summary>
    private static void Empty(string dir)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(dir))
        {
            if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
            else File.Delete(entry);
        }
    }

    private static string? Secret(string? keyFile)
    {
        var secret = BackupFile.Secret(keyFile);
        if (secret is null) Console.Error.WriteLine("herald: set HERALD_BACKUP_KEY or give --key-file");
        return secret;
    }

    private static bool Decrypt(string backup, string plainPath, string secret)
    {
        try
        {
            using var input = File.OpenRead(backup);
            using var output = new FileStream(plainPath, PrivateFile(FileMode.CreateNew));
            BackupFile.Read(input, output, secret);
            return true;
        }
        catch (Exception e) when (e is WrongBackupKeyException or CorruptBackupException or FileNotFoundException)
        {
            Console.Error.WriteLine("herald: " + e.Message);
            return false;
        }
    }

    private static (string Integrity, List<(string Table, long Rows)> Counts) Inspect(string path)
    {
        using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        c.Open();
        using var check = c.CreateCommand();
        check.CommandText = "PRAGMA integrity_check";
        string integrity = Convert.ToString(check.ExecuteScalar(), CultureInfo.InvariantCulture) ?? "";
        var tables = new List<string>();
        using (var list = c.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
            using var r = list.ExecuteReader();
            while (r.Read()) tables.Add(r.GetString(0));
        }
        var counts = new List<(string, long)>();
        foreach (var table in tables)
        {
            using var count = c.CreateCommand();
            count.CommandText = $"SELECT count(*) FROM \"{table.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
            counts.Add((table, Convert.ToInt64(count.ExecuteScalar(), CultureInfo.InvariantCulture)));
        }
        return (integrity, counts);
    }

    private static FileStreamOptions PrivateFile(FileMode mode) => BackupSnapshot.PrivateFile(mode);
}
