namespace Herald.Storage;

/// <summary>Whether the store answers at all: the health check's probe.</summary>
public interface IStoreProbe
{
    /// <summary>The provider's name as operators know it (sqlite, postgres).</summary>
    string Provider { get; }
    /// <summary>A trivial round trip; throws or answers false when the store cannot be reached.</summary>
    bool Ping();
    /// <summary>Bytes the store's data takes, and its write-ahead log (0 where the provider keeps none of its own).</summary>
    (long Database, long Wal) FileSizes();
}
