namespace Herald.Storage.Sqlite;

internal static partial class SqliteSql
{
    // Operations.
    /// <summary>Reads the schema, so the answer comes from the file (a migrated store always has tables).</summary>
    public const string Ping = "SELECT COUNT(*) > 0 FROM sqlite_schema";
    // The file's layout (database performance).
    public const string PassiveCheckpoint = "PRAGMA wal_checkpoint(PASSIVE)";
    public const string SelectPageCounts = "SELECT page_size, page_count, freelist_count FROM pragma_page_size, pragma_page_count, pragma_freelist_count";
    /// <summary>Every table and index with a b-tree of its own (views and virtual tables have none), and the schema table on page 1.</summary>
    public const string SelectBTreeRoots = """
        SELECT name, type, tbl_name, rootpage FROM sqlite_schema WHERE type IN ('table', 'index') AND rootpage > 0
        UNION ALL SELECT 'sqlite_schema', 'table', 'sqlite_schema', 1 ORDER BY rootpage
        """;
}
