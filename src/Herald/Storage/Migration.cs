namespace Herald.Storage;

/// <summary>One versioned schema change with its inverse. The SQL is the store's own dialect.</summary>
public sealed record Migration(int Version, string Name, string Up, string Down);

public sealed record MigrationStatus(int Version, string Name, bool Applied, long? AppliedAtMs);
