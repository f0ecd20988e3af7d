namespace Herald.Storage.Postgres;

internal static partial class PostgresSql
{
    public const string CreateMigrationsTable =
        "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)";
    public const string SelectAppliedMigrations = "SELECT version, applied_at FROM schema_migrations ORDER BY version";
    public const string InsertMigration = "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)";
    public const string DeleteMigration = "DELETE FROM schema_migrations WHERE version = $1";
    /// <summary>Serializes migrations run by several nodes starting at once (held until the migrating transaction ends).</summary>
    public const string LockMigrations = "SELECT pg_advisory_xact_lock($1)";
    public const string Ping = "SELECT 1";
    public const string DatabaseSize = "SELECT pg_database_size(current_database())";
    /// <summary>Takes the writer's lease, waiting while another node holds it; released when the holding connection ends.</summary>
    public const string AcquireWriterLease = "SELECT pg_advisory_lock($1)";
}
