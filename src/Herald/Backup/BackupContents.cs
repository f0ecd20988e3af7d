using System.Formats.Tar;
using System.IO.Pipelines;

namespace Herald.Backup;

/// <summary>
/// What a backup holds: the database copy and the key files Herald keeps beside it in the data directory (the OTP, agent-token
/// and VAPID keys, and ASP.NET Data Protection's key ring, which signs dashboard sessions), as a tar stream, so a restored
/// server is whole: its OTP codes, agent tokens, push subscriptions and sign-ins keep working. Backups made before key files
/// were included hold the bare database; <see cref="Extract"/> reads both.
/// </summary>
public static class BackupContents
{
    public const string DatabaseName = "herald.db";
    private static readonly string[] KeyFileNames = ["otp.key", "agent-token.key", "vapid.key"];
    private const string DataProtectionKeys = "dataprotection-keys";

    /// <summary>Encrypts <paramref name="databaseCopy"/> with the data directory's key files into <paramref name="output"/>; returns the bytes written.</summary>
    public static long Write(string databaseCopy, string dataDir, Stream output, BackupKey key)
    {
        var pipe = new Pipe();
        var producer = Task.Run(() =>
        {
            using var stream = pipe.Writer.AsStream();
            using var tar = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true);
            tar.WriteEntry(databaseCopy, DatabaseName);
            foreach (var name in KeyFiles(dataDir)) tar.WriteEntry(Path.Combine(dataDir, name), name);
        });
        long written;
        using (var reader = pipe.Reader.AsStream()) written = BackupFile.Write(reader, output, key);
        producer.GetAwaiter().GetResult();
        return written;
    }

    /// <summary>The key files present in <paramref name="dataDir"/>, relative to it.</summary>
    public static IEnumerable<string> KeyFiles(string dataDir)
    {
        foreach (var name in KeyFileNames)
            if (File.Exists(Path.Combine(dataDir, name))) yield return name;
        var ring = Path.Combine(dataDir, DataProtectionKeys);
        if (Directory.Exists(ring))
            foreach (var file in Directory.EnumerateFiles(ring, "*.xml").Order(StringComparer.Ordinal))
                yield return DataProtectionKeys + "/" + Path.GetFileName(file);
    }

    /// <summary>
    /// Unpacks a decrypted backup (<paramref name="plain"/>) into <paramref name="dataDir"/>: the database to
    /// <paramref name="databaseTarget"/>, key files to their places (owner-only). Answers the key files restored.
    /// </summary>
    public static IReadOnlyList<string> Extract(string plain, string dataDir, string databaseTarget)
    {
        using (var probe = File.OpenRead(plain))
        {
            Span<byte> start = stackalloc byte[16];
            if (probe.ReadAtLeast(start, 16, throwOnEndOfStream: false) == 16 && start.SequenceEqual("SQLite format 3\0"u8))
            {
                probe.Dispose();
                File.Move(plain, databaseTarget);
                return [];
            }
        }
        var restored = new List<string>();
        using (var file = File.OpenRead(plain))
        {
            using var tar = new TarReader(file);
            while (tar.GetNextEntry() is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
                string name = entry.Name;
                bool isKey = KeyFileNames.Contains(name)
                    || (name.StartsWith(DataProtectionKeys + "/", StringComparison.Ordinal) && name.EndsWith(".xml", StringComparison.Ordinal)
                        && name.IndexOf('/', DataProtectionKeys.Length + 1) < 0 && !name.Contains("..", StringComparison.Ordinal));
                if (name != DatabaseName && !isKey) throw new CorruptBackupException($"the backup holds an unexpected entry '{name}'");
                string target = name == DatabaseName ? databaseTarget : Path.Combine(dataDir, name);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                using (var output = new FileStream(target, options)) entry.DataStream?.CopyTo(output);
                if (isKey) restored.Add(name);
            }
        }
        File.Delete(plain);
        if (!File.Exists(databaseTarget)) throw new CorruptBackupException("the backup holds no database");
        return restored;
    }
}
