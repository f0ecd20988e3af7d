namespace Herald.Storage;

/// <summary>One versioned schema change with its inverse. The SQL is the store's own dialect.</summary>
public sealed record Migration(int Version, string Name, string Up, string Down);

public sealed record MigrationStatus(int Version, string Name, bool Applied, long? AppliedAtMs);

/// <summary>A store's versioned schema: what <c>herald migrate</c> drives, whichever the provider.</summary>
public interface ISchemaMigrations : IDisposable
{
    IReadOnlyList<MigrationStatus> MigrationStatus();

    /// <summary>Applies every migration up to <paramref name="target"/> (all when null); returns those applied.</summary>
    IReadOnlyList<Migration> MigrateUp(int? target = null);

    /// <summary>Reverts applied migrations above <paramref name="target"/> (default: the newest one only).</summary>
    IReadOnlyList<Migration> MigrateDown(int? target = null);
}
