namespace Herald.Storage.Encryption;

/// <summary>Opens a data directory's field encryption: its master key, and the data keys its database holds.</summary>
public static class FieldEncryption
{
    /// <summary>
    /// The protector for the store under <paramref name="dataDir"/>. A first start makes the master key file (unless
    /// <c>HERALD_MASTER_KEY</c> is set) and the data keys; a later one must bring the master key they are wrapped under.
    /// A rotation cut short after it re-wrapped the data keys leaves the new key in <c>master.key.next</c>: it is taken here.
    /// </summary>
    /// <exception cref="FieldEncryptionException">No master key, or not the one the stored data keys are wrapped under.</exception>
    public static FieldProtector Open(IDataKeyStore store, string dataDir, long nowMs)
    {
        bool fromEnvironment = Environment.GetEnvironmentVariable(MasterKey.EnvironmentVariable) is { Length: > 0 };
        var path = MasterKey.FilePath(dataDir);
        var pending = MasterKey.PendingFilePath(dataDir);
        if (!fromEnvironment && !File.Exists(path) && !File.Exists(pending) && store.ListDataKeys() is [var first, ..])
        {
            throw new FieldEncryptionException(
                $"no master key: {MasterKey.EnvironmentVariable} is not set and {path} is missing, but the database holds data keys " +
                $"wrapped under master key id {first.MasterKeyId}; supply that key");
        }
        try
        {
            return FieldProtector.Open(store, MasterKey.Load(dataDir), nowMs);
        }
        catch (FieldEncryptionException) when (!fromEnvironment && File.Exists(pending))
        {
            var protector = FieldProtector.Open(store, MasterKey.FromFile(pending), nowMs);
            File.Move(pending, path, overwrite: true);
            return protector;
        }
    }
}
