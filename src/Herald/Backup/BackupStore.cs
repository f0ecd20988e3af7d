using System.Globalization;

namespace Herald.Backup;

/// <summary>One backup in a store. <see cref="Sha256"/> is the hex SHA-256 of the stored (encrypted) bytes, null when the store does not know it.</summary>
public sealed record StoredBackup(string Name, DateTimeOffset CreatedAt, long SizeBytes, string? Sha256);

/// <summary>Where backup files are kept: a directory (the default) or an S3-compatible bucket. Names are flat file names.</summary>
public interface IBackupStore
{
    /// <summary><c>directory</c> or <c>s3</c>.</summary>
    string Kind { get; }

    /// <summary>Where it is, for people: a path or <c>s3://bucket/prefix</c>.</summary>
    string Location { get; }

    /// <summary>Stores <paramref name="file"/> under <paramref name="name"/> (replacing any), whole or not at all. The file may be moved away.</summary>
    Task PutAsync(string name, string file, string sha256, CancellationToken ct);

    /// <summary>Every backup (<c>*.hbk</c>) in the store, oldest first.</summary>
    Task<IReadOnlyList<StoredBackup>> ListAsync(CancellationToken ct);

    /// <summary>The stored bytes, or null when there is no such backup.</summary>
    Task<Stream?> OpenReadAsync(string name, CancellationToken ct);

    Task DeleteAsync(string name, CancellationToken ct);
}

/// <summary>Backup names: <c>herald-20261207T013000Z.hbk</c>, the UTC time the backup was taken.</summary>
public static class BackupNames
{
    public const string Extension = ".hbk";
    private const string Format = "yyyyMMdd'T'HHmmss'Z'";

    public static string For(DateTimeOffset at) => $"herald-{at.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture)}{Extension}";

    /// <summary>The time in a name <see cref="For"/> made; false for any other name (retention never deletes those).</summary>
    public static bool TryParse(string name, out DateTimeOffset at)
    {
        at = default;
        if (!name.StartsWith("herald-", StringComparison.Ordinal) || !name.EndsWith(Extension, StringComparison.Ordinal)) return false;
        if (!DateTime.TryParseExact(name["herald-".Length..^Extension.Length], Format, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var utc)) return false;
        at = new DateTimeOffset(utc, TimeSpan.Zero);
        return true;
    }

    /// <summary>Refuses anything but a plain file name ending in .hbk, so a name can never reach outside the store.</summary>
    public static string Check(string name)
    {
        if (name.Length is 0 or > 200 || !name.EndsWith(Extension, StringComparison.Ordinal) || name.StartsWith('.')
            || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            throw new ArgumentException($"not a backup name: {name}", nameof(name));
        return name;
    }
}

/// <summary>
/// Backups as files in one folder, each beside a <c>NAME.sha256</c> file in <c>sha256sum</c> format (so
/// <c>sha256sum -c</c> checks them). A backup appears whole: it is moved in under a temporary name, then renamed.
/// </summary>
public sealed class DirectoryBackupStore(string root) : IBackupStore
{
    public string Kind => "directory";

    public string Location => Path.GetFullPath(root);

    public Task PutAsync(string name, string file, string sha256, CancellationToken ct)
    {
        string path = PathOf(name);
        Directory.CreateDirectory(root);
        File.WriteAllText(path + ".sha256", $"{sha256}  {name}\n");
        string partial = path + ".part";
        File.Move(file, partial, overwrite: true);
        File.Move(partial, path, overwrite: true);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<StoredBackup>> ListAsync(CancellationToken ct)
    {
        var list = new List<StoredBackup>();
        if (Directory.Exists(root))
        {
            foreach (var info in new DirectoryInfo(root).EnumerateFiles("*" + BackupNames.Extension))
            {
                var created = BackupNames.TryParse(info.Name, out var at) ? at : new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero);
                list.Add(new StoredBackup(info.Name, created, info.Length, ReadSha256(info.FullName + ".sha256")));
            }
        }
        return Task.FromResult<IReadOnlyList<StoredBackup>>(list.OrderBy(b => b.CreatedAt).ThenBy(b => b.Name, StringComparer.Ordinal).ToList());
    }

    public Task<Stream?> OpenReadAsync(string name, CancellationToken ct)
    {
        string path = PathOf(name);
        return Task.FromResult<Stream?>(File.Exists(path) ? File.OpenRead(path) : null);
    }

    public Task DeleteAsync(string name, CancellationToken ct)
    {
        string path = PathOf(name);
        File.Delete(path);
        File.Delete(path + ".sha256");
        return Task.CompletedTask;
    }

    private string PathOf(string name) => Path.Combine(root, BackupNames.Check(name));

    private static string? ReadSha256(string path)
    {
        if (!File.Exists(path)) return null;
        string text = File.ReadAllText(path);
        int end = text.IndexOf(' ', StringComparison.Ordinal);
        string hex = end > 0 ? text[..end] : text.Trim();
        return hex.Length == 64 && hex.All(char.IsAsciiHexDigit) ? hex.ToLowerInvariant() : null;
    }
}

/// <summary>The store <c>Herald:Backup:Store</c> selects.</summary>
public static class BackupStores
{
    public const string Setting = "Herald:Backup";

    /// <summary>The configured store; throws <see cref="InvalidOperationException"/> naming a wrong setting.</summary>
    public static IBackupStore Create(BackupOptions options, string dataDir, Outbound.OutboundConnector connector) =>
        options.Store.ToLowerInvariant() switch
        {
            "directory" => new DirectoryBackupStore(options.Directory is { Length: > 0 } d ? d : Path.Combine(dataDir, "backups")),
            "s3" => new S3BackupStore(new S3Bucket(options.S3, connector, Setting + ":S3")),
            _ => throw new InvalidOperationException($"{Setting}:Store: '{options.Store}' is neither 'directory' nor 's3'"),
        };
}
