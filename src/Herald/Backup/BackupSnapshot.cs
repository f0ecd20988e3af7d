using System.Security.Cryptography;
using Microsoft.Data.Sqlite;

namespace Herald.Backup;

/// <summary>A backup file just written: its path, size, the size of the database it holds, and the SHA-256 of its bytes.</summary>
public sealed record BackupWritten(string Path, long SizeBytes, long DatabaseBytes, string Sha256);

/// <summary>
/// Takes a backup while the server keeps writing: <c>VACUUM INTO</c> a consistent copy beside the database (never a file
/// copy), then packs it with the key files beside it and compresses and encrypts both (<see cref="BackupContents"/>) into the
/// target file. The CLI and the scheduled job
/// both take backups this way.
/// </summary>
public static class BackupSnapshot
{
    public static BackupWritten Write(string databasePath, string target, string secret)
    {
        string snapshot = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(databasePath))!, $".backup-{Guid.NewGuid():n}.db");
        try
        {
            using (var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false, DefaultTimeout = 60 }.ToString()))
            {
                c.Open();
                using var vacuum = c.CreateCommand();
                vacuum.CommandText = "VACUUM INTO $path";
                vacuum.Parameters.AddWithValue("$path", snapshot);
                vacuum.ExecuteNonQuery();
            }
            long databaseBytes = new FileInfo(snapshot).Length;
            long written;
            using (var file = new FileStream(target, PrivateFile(FileMode.CreateNew)))
                written = BackupContents.Write(snapshot, Path.GetDirectoryName(Path.GetFullPath(databasePath))!, file, new BackupKey(secret));
            string sha256;
            using (var file = File.OpenRead(target)) sha256 = Convert.ToHexStringLower(SHA256.HashData(file));
            return new BackupWritten(target, written, databaseBytes, sha256);
        }
        finally
        {
            File.Delete(snapshot);
        }
    }

    /// <summary>Options for a new file only its owner can read (backups hold every secret in the database).</summary>
    public static FileStreamOptions PrivateFile(FileMode mode)
    {
        var options = new FileStreamOptions { Mode = mode, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        return options;
    }
}
