namespace Herald.Storage.Encryption;

/// <summary>A data key as stored: wrapped (AES-256-GCM) under the master key that <paramref name="MasterKeyId"/> names.</summary>
/// <param name="Purpose"><see cref="DataKeyPurpose"/>: the field cipher's key, or the root of the blind-index keys.</param>
public sealed record DataKeyRecord(int Id, string Purpose, byte[] Wrapped, string MasterKeyId, long CreatedAtMs);

/// <summary>What a data key is for.</summary>
public static class DataKeyPurpose
{
    public const string Fields = "fields";
    public const string Index = "index";
}

/// <summary>Where the wrapped data keys live: in the database, beside the ciphertexts they open.</summary>
public interface IDataKeyStore
{
    IReadOnlyList<DataKeyRecord> ListDataKeys();

    /// <summary>Adds the key unless one with its id exists (another process made it first); true when added.</summary>
    bool TryAddDataKey(DataKeyRecord key);

    /// <summary>Replaces every key's wrapping in one transaction, only if each is still wrapped under <paramref name="expectedMasterKeyId"/>; the count replaced.</summary>
    int RewrapDataKeys(IReadOnlyList<DataKeyRecord> rewrapped, string expectedMasterKeyId);
}
