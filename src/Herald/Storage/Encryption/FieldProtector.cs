using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Herald.Storage.Encryption;

/// <summary>
/// Seals personal data and secrets before they are stored, and opens them when read: AES-256-GCM under a data key that
/// is itself stored wrapped by the <see cref="MasterKey"/>. A sealed value is
/// <c>version (1) | data key id (4, big-endian) | nonce (12) | tag (16) | ciphertext</c>, the first five bytes bound as
/// associated data; stores keep it as a blob, so a text in the same column is a row written before encryption.
/// Values looked up by value get a <see cref="BlindIndex"/> instead: a keyed HMAC-SHA256 under a key derived for that use.
/// </summary>
public sealed class FieldProtector
{
    public const byte Version = 1;
    private const int HeaderBytes = 5;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    private readonly Dictionary<int, byte[]> _dataKeys;
    private readonly int _currentKeyId;
    private readonly byte[] _indexKey;

    private FieldProtector(Dictionary<int, byte[]> dataKeys, int currentKeyId, byte[] indexRoot)
    {
        _dataKeys = dataKeys;
        _currentKeyId = currentKeyId;
        _indexKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, indexRoot, 32, info: "herald blind index v1"u8.ToArray());
        RecipientKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, indexRoot, 32, info: "herald recipient v1"u8.ToArray());
    }

    /// <summary>The key of the hashed engine recipients (Herald__Privacy__Recipients=hashed), apart from the blind index's.</summary>
    internal byte[] RecipientKey { get; }

    // The first generation of each purpose has a fixed id, so processes that start together agree on one key.
    private static readonly (string Purpose, int Id)[] FirstKeys = [(DataKeyPurpose.Fields, 1), (DataKeyPurpose.Index, 2)];

    /// <summary>Unwraps the stored data keys with <paramref name="master"/>, first making them when there are none.</summary>
    /// <exception cref="FieldEncryptionException">The stored keys are wrapped under another master key, or damaged.</exception>
    public static FieldProtector Open(IDataKeyStore store, MasterKey master, long nowMs)
    {
        var stored = store.ListDataKeys();
        bool added = false;
        foreach (var (purpose, id) in FirstKeys)
        {
            if (stored.Any(k => k.Purpose == purpose)) continue;
            added |= store.TryAddDataKey(new DataKeyRecord(id, purpose, Wrap(master, id, purpose, RandomNumberGenerator.GetBytes(32)), master.Id, nowMs));
        }
        if (added) stored = store.ListDataKeys();
        var keys = new Dictionary<int, byte[]>();
        byte[]? indexRoot = null;
        int current = 0;
        foreach (var k in stored)
        {
            var key = Unwrap(master, k);
            if (k.Purpose == DataKeyPurpose.Index) indexRoot ??= key;
            else
            {
                keys[k.Id] = key;
                current = Math.Max(current, k.Id);
            }
        }
        return new FieldProtector(keys, current, indexRoot!);
    }

    /// <summary>The data key wrapped under <paramref name="master"/>: nonce | tag | ciphertext, bound to its id and purpose.</summary>
    public static byte[] Wrap(MasterKey master, int id, string purpose, byte[] dataKey)
    {
        var wrapped = new byte[NonceBytes + TagBytes + dataKey.Length];
        RandomNumberGenerator.Fill(wrapped.AsSpan(0, NonceBytes));
        using var aes = new AesGcm(master.Key, TagBytes);
        aes.Encrypt(wrapped.AsSpan(0, NonceBytes), dataKey, wrapped.AsSpan(NonceBytes + TagBytes), wrapped.AsSpan(NonceBytes, TagBytes), WrapContext(id, purpose));
        return wrapped;
    }

    /// <summary>The data key inside <paramref name="key"/>.</summary>
    /// <exception cref="FieldEncryptionException"><paramref name="master"/> is not the key it is wrapped under.</exception>
    public static byte[] Unwrap(MasterKey master, DataKeyRecord key)
    {
        if (key.MasterKeyId != master.Id)
        {
            throw new FieldEncryptionException(
                $"the master key from {master.Source} (id {master.Id}) is not the one the data keys are wrapped under (id {key.MasterKeyId}); " +
                $"set {MasterKey.EnvironmentVariable} or keys/master.key to that key");
        }
        var wrapped = key.Wrapped;
        if (wrapped.Length <= NonceBytes + TagBytes) throw new FieldEncryptionException($"data key {key.Id} is damaged ({wrapped.Length} bytes)");
        var plain = new byte[wrapped.Length - NonceBytes - TagBytes];
        try
        {
            using var aes = new AesGcm(master.Key, TagBytes);
            aes.Decrypt(wrapped.AsSpan(0, NonceBytes), wrapped.AsSpan(NonceBytes + TagBytes), wrapped.AsSpan(NonceBytes, TagBytes), plain, WrapContext(key.Id, key.Purpose));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new FieldEncryptionException($"data key {key.Id} does not open with the master key from {master.Source}: the key or the stored data key is damaged");
        }
        return plain;
    }

    private static byte[] WrapContext(int id, string purpose) => Encoding.UTF8.GetBytes($"herald data key {id} {purpose}");

    /// <summary>The most bytes the sealed form of a text of <paramref name="characters"/> UTF-16 characters takes.</summary>
    public static int MaxSealedLength(int characters) => HeaderBytes + NonceBytes + TagBytes + Encoding.UTF8.GetMaxByteCount(characters);

    /// <summary>The sealed form of <paramref name="plain"/> (null stays null).</summary>
    public byte[]? Seal(string? plain) => plain is null ? null : Seal(Encoding.UTF8.GetBytes(plain));

    private byte[] Seal(byte[] plain)
    {
        var sealedValue = new byte[HeaderBytes + NonceBytes + TagBytes + plain.Length];
        sealedValue[0] = Version;
        BinaryPrimitives.WriteInt32BigEndian(sealedValue.AsSpan(1, 4), _currentKeyId);
        RandomNumberGenerator.Fill(sealedValue.AsSpan(HeaderBytes, NonceBytes));
        using var aes = new AesGcm(_dataKeys[_currentKeyId], TagBytes);
        aes.Encrypt(sealedValue.AsSpan(HeaderBytes, NonceBytes), plain, sealedValue.AsSpan(HeaderBytes + NonceBytes + TagBytes),
            sealedValue.AsSpan(HeaderBytes + NonceBytes, TagBytes), sealedValue.AsSpan(0, HeaderBytes));
        return sealedValue;
    }

    /// <summary>
    /// The value a column holds, opened: a blob is a sealed value; a text is a row stored before encryption (the start's
    /// upgrade seals it), returned as it is.
    /// </summary>
    /// <exception cref="FieldEncryptionException">The blob is damaged or sealed under a data key this server does not have.</exception>
    public string? Open(object? stored) => stored switch
    {
        null or DBNull => null,
        string text => text,
        byte[] sealedValue => OpenSealed(sealedValue),
        _ => throw new FieldEncryptionException($"a protected column holds a {stored.GetType().Name}"),
    };

    private string OpenSealed(byte[] sealedValue)
    {
        if (sealedValue.Length < HeaderBytes + NonceBytes + TagBytes || sealedValue[0] != Version)
            throw new FieldEncryptionException($"a protected value is damaged or of an unknown version ({(sealedValue.Length > 0 ? sealedValue[0] : -1)})");
        int keyId = BinaryPrimitives.ReadInt32BigEndian(sealedValue.AsSpan(1, 4));
        if (!_dataKeys.TryGetValue(keyId, out var key)) throw new FieldEncryptionException($"a protected value names data key {keyId}, which is not stored");
        var plain = new byte[sealedValue.Length - HeaderBytes - NonceBytes - TagBytes];
        try
        {
            using var aes = new AesGcm(key, TagBytes);
            aes.Decrypt(sealedValue.AsSpan(HeaderBytes, NonceBytes), sealedValue.AsSpan(HeaderBytes + NonceBytes + TagBytes),
                sealedValue.AsSpan(HeaderBytes + NonceBytes, TagBytes), plain, sealedValue.AsSpan(0, HeaderBytes));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new FieldEncryptionException($"a protected value sealed under data key {keyId} fails its authentication: it was altered");
        }
        return Encoding.UTF8.GetString(plain);
    }

    /// <summary>The blind index of a value looked up by equality (callers normalise it first, e.g. lower-case e-mail).</summary>
    public byte[]? BlindIndex(string? value) => value is null ? null : HMACSHA256.HashData(_indexKey, Encoding.UTF8.GetBytes(value));
}
