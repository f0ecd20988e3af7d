using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Herald.Backup;
using Herald.Outbound;

namespace Herald.Maintenance;

/// <summary>Where retention archives go: the backup store's location, under <c>retention/</c>.</summary>
public interface IArchiveStore
{
    /// <summary>Where it is, for people: a path or <c>s3://bucket/prefix</c>.</summary>
    string Location { get; }

    /// <summary>Stores the file under the name, whole or not at all, durably before it returns (throws when it could not).</summary>
    Task PutAsync(string name, string file, string sha256, CancellationToken ct);
}

/// <summary>Archives as files in <c>{backup directory}/retention</c>, each beside <c>NAME.sha256</c>; written aside, flushed to disk, then renamed.</summary>
public sealed class DirectoryArchiveStore(string root) : IArchiveStore
{
    public string Location => Path.GetFullPath(root);

    public async Task PutAsync(string name, string file, string sha256, CancellationToken ct)
    {
        Directory.CreateDirectory(root);
        string path = Path.Combine(root, ArchiveNames.Check(name)), partial = path + ".part";
        await using (var source = File.OpenRead(file))
        await using (var target = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous))
        {
            await source.CopyToAsync(target, ct);
            target.Flush(flushToDisk: true);
        }
        await File.WriteAllTextAsync(path + ".sha256", $"{sha256}  {name}\n", ct);
        File.Move(partial, path, overwrite: true);
    }
}

/// <summary>Archives as objects <c>{prefix}retention/{name}</c> in the backup bucket, with their SHA-256 as <c>x-amz-meta-sha256</c>.</summary>
public sealed class S3ArchiveStore(S3Bucket bucket) : IArchiveStore, IDisposable
{
    public string Location => $"s3://{bucket.Name}/{bucket.Prefix}";

    public Task PutAsync(string name, string file, string sha256, CancellationToken ct) =>
        bucket.PutFileAsync(ArchiveNames.Check(name), file, new Dictionary<string, string> { ["sha256"] = sha256 }, ct);

    public void Dispose() => bucket.Dispose();
}

/// <summary>The archive store of the configured backup store (<c>Herald:Backup:Store</c>).</summary>
public static class ArchiveStores
{
    public const string Folder = "retention";

    public static IArchiveStore Create(BackupOptions options, string dataDir, OutboundConnector connector) =>
        options.Store.ToLowerInvariant() switch
        {
            "directory" => new DirectoryArchiveStore(Path.Combine(options.Directory is { Length: > 0 } d ? d : Path.Combine(dataDir, "backups"), Folder)),
            "s3" => new S3ArchiveStore(new S3Bucket(new S3StoreOptions
            {
                Bucket = options.S3.Bucket, Prefix = options.S3.Prefix + Folder + "/", ServiceUrl = options.S3.ServiceUrl, Region = options.S3.Region,
                ForcePathStyle = options.S3.ForcePathStyle, AccessKey = options.S3.AccessKey, SecretKey = options.S3.SecretKey,
            }, connector, BackupStores.Setting + ":S3")),
            _ => throw new InvalidOperationException($"{BackupStores.Setting}:Store: '{options.Store}' is neither 'directory' nor 's3'"),
        };
}

/// <summary>
/// Archive names: <c>items-20250101T000000Z-20250301T120000Z-20261207T180000Z.ndjson.gz</c> (collection, the rows' time
/// range, the run); a run's later parts of one collection end <c>-2</c>, <c>-3</c>... before the extension.
/// </summary>
public static class ArchiveNames
{
    public const string Extension = ".ndjson.gz";
    private const string Format = "yyyyMMdd'T'HHmmss'Z'";

    public static string For(string collection, long fromMs, long toMs, DateTimeOffset run, int part = 1) =>
        $"{collection}-{Stamp(DateTimeOffset.FromUnixTimeMilliseconds(fromMs))}-{Stamp(DateTimeOffset.FromUnixTimeMilliseconds(toMs))}-{Stamp(run)}"
        + (part > 1 ? "-" + part.ToString(CultureInfo.InvariantCulture) : "") + Extension;

    private static string Stamp(DateTimeOffset t) => t.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture);

    /// <summary>Refuses anything but a plain file name of letters, digits, <c>- _ .</c> ending in .ndjson.gz.</summary>
    public static string Check(string name)
    {
        if (name.Length is 0 or > 200 || !name.EndsWith(Extension, StringComparison.Ordinal) || name.StartsWith('.')
            || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            throw new ArgumentException($"not an archive name: {name}", nameof(name));
        return name;
    }
}

/// <summary>
/// One archive being written: gzip of NDJSON, one line per row, <c>{"table":"items","row":{"id":1,...}}</c>. Integers and
/// reals are JSON numbers, text is a string, a blob is its base64 (sealed columns stay sealed), NULL is null. Written to a
/// temporary file in the data directory, deleted on dispose.
/// </summary>
public sealed class ArchiveFile : IDisposable
{
    private readonly FileStream _file;
    private readonly GZipStream _gzip;
    private readonly Utf8JsonWriter _json;
    private static readonly byte[] NewLine = "\n"u8.ToArray();

    public ArchiveFile(string directory)
    {
        Path = System.IO.Path.Combine(directory, $".retention-{Guid.NewGuid():n}.ndjson.gz.part");
        _file = new FileStream(Path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 64 * 1024);
        _gzip = new GZipStream(_file, CompressionLevel.Optimal, leaveOpen: true);
        _json = new Utf8JsonWriter(_gzip, new JsonWriterOptions { SkipValidation = true });
    }

    public string Path { get; }

    public long Rows { get; private set; }

    public void Write(string table, IReadOnlyList<(string Column, object? Value)> row)
    {
        _json.WriteStartObject();
        _json.WriteString("table", table);
        _json.WriteStartObject("row");
        foreach (var (column, value) in row)
        {
            switch (value)
            {
                case null: _json.WriteNull(column); break;
                case long l: _json.WriteNumber(column, l); break;
                case double d: _json.WriteNumber(column, d); break;
                case byte[] b: _json.WriteBase64String(column, b); break;
                default: _json.WriteString(column, Convert.ToString(value, CultureInfo.InvariantCulture)); break;
            }
        }
        _json.WriteEndObject();
        _json.WriteEndObject();
        _json.Flush();
        _json.Reset();
        _gzip.Write(NewLine);
        Rows++;
    }

    /// <summary>Ends the gzip stream, flushes the file to disk and closes it (so a store can read it); answers the hex SHA-256 of its bytes.</summary>
    public string Finish()
    {
        _json.Dispose();
        _gzip.Dispose();
        _file.Flush(flushToDisk: true);
        _file.Position = 0;
        string sha256 = Convert.ToHexStringLower(SHA256.HashData(_file));
        _file.Dispose();
        return sha256;
    }

    public void Dispose()
    {
        _json.Dispose();
        _gzip.Dispose();
        _file.Dispose();
        File.Delete(Path);
    }
}
