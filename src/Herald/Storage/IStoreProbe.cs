namespace Herald.Storage;

/// <summary>
/// The store's connections: <see cref="InUse"/> are checked out now (by requests, jobs and the writer); <see cref="Open"/>
/// are held open by the process (in use and pooled idle ones), null where the provider cannot tell; <see cref="PoolLimit"/>
/// is the most the pool may hold, null when it has no limit.
/// </summary>
public sealed record StoreConnections(int InUse, int? Open, int? PoolLimit);

/// <summary>Whether the store answers at all: the health check's probe.</summary>
public interface IStoreProbe
{
    /// <summary>The provider's name as operators know it (sqlite, postgres).</summary>
    string Provider { get; }
    /// <summary>A trivial round trip; throws or answers false when the store cannot be reached.</summary>
    bool Ping();
    /// <summary>Bytes the store's data takes, and its write-ahead log (0 where the provider keeps none of its own).</summary>
    (long Database, long Wal) FileSizes();
    StoreConnections Connections();
}
