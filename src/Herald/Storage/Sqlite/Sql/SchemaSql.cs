namespace Herald.Storage.Sqlite;

internal static partial class SqliteSql
{
    public const string ConnectionPragmas = """
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = {0};
        PRAGMA busy_timeout = 10000;
        PRAGMA cache_size = -{1};
        PRAGMA temp_store = MEMORY;
        PRAGMA foreign_keys = ON;
        """;

    public const string NoAutomaticCheckpoints = "\nPRAGMA wal_autocheckpoint = 0;";

    public const string CreateMigrationsTable =
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)";
    public const string SelectAppliedMigrations = "SELECT version, applied_at FROM schema_migrations ORDER BY version";
    public const string InsertMigration = "INSERT INTO schema_migrations(version, name, applied_at) VALUES ($v, $n, $t)";
    public const string DeleteMigration = "DELETE FROM schema_migrations WHERE version = $v";
}
