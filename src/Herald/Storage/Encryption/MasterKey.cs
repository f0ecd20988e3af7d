using System.Security.Cryptography;
using System.Text;

namespace Herald.Storage.Encryption;

/// <summary>
/// The key that wraps the data keys: <c>HERALD_MASTER_KEY</c> (base64 of 32 bytes), else <c>keys/master.key</c> in the
/// data directory, made once (mode 0600) on first start. It never reaches the database; only its <see cref="Id"/> does.
/// </summary>
public sealed class MasterKey
{
    public const string EnvironmentVariable = "HERALD_MASTER_KEY";
    public const int KeyBytes = 32;

    private MasterKey(byte[] key, string source)
    {
        Key = key;
        Source = source;
        Id = Convert.ToHexStringLower(SHA256.HashData([.. "herald-master-key-id:"u8, .. key]))[..16];
    }

    internal byte[] Key { get; }

    /// <summary>A fingerprint that names the key (stored beside each wrapped data key) without revealing it.</summary>
    public string Id { get; }

    /// <summary>Where the key came from, for error messages: the variable's name or the file's path.</summary>
    public string Source { get; }

    /// <summary>The key file under a data directory.</summary>
    public static string FilePath(string dataDir) => Path.Combine(dataDir, "keys", "master.key");

    /// <summary>Where <c>herald keys rotate-master</c> puts the new key until the data keys are wrapped under it.</summary>
    public static string PendingFilePath(string dataDir) => FilePath(dataDir) + ".next";

    /// <summary><c>HERALD_MASTER_KEY</c> when set, else the data directory's key file, created when missing.</summary>
    public static MasterKey Load(string dataDir)
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnvironment)
            return Parse(Encoding.UTF8.GetBytes(fromEnvironment), EnvironmentVariable);
        var path = FilePath(dataDir);
        return Parse(KeyFiles.ReadOrCreate(path, NewKeyFileContent), path);
    }

    /// <summary>A key file's content: 32 raw bytes, or the base64 of 32 bytes (what <c>openssl rand -base64 32</c> prints).</summary>
    public static MasterKey FromFile(string path) => Parse(File.ReadAllBytes(path), path);

    /// <summary>A fresh key as a key file holds it: base64 text and a newline.</summary>
    public static byte[] NewKeyFileContent() => Encoding.ASCII.GetBytes(Convert.ToBase64String(RandomNumberGenerator.GetBytes(KeyBytes)) + "\n");

    private static MasterKey Parse(byte[] content, string source)
    {
        if (content.Length == KeyBytes) return new MasterKey(content, source);
        var text = Encoding.UTF8.GetString(content).Trim();
        var key = new byte[KeyBytes + 1];
        if (Convert.TryFromBase64String(text, key, out int written) && written == KeyBytes) return new MasterKey(key[..KeyBytes], source);
        throw new FieldEncryptionException($"{source} must hold a 32-byte master key as base64 (e.g. the output of `openssl rand -base64 32`)");
    }
}

/// <summary>The field encryption cannot start: no usable master key, or one that does not open the stored data keys.</summary>
public sealed class FieldEncryptionException(string message) : Exception(message);
