namespace Herald.Storage.Sqlite;

internal static partial class SqliteSql
{
    // Field encryption (migration 43): the wrapped data keys.
    public const string SelectDataKeys = "SELECT id, purpose, wrapped, master_key_id, created_at FROM data_keys ORDER BY id";
    public const string InsertDataKey = """
        INSERT INTO data_keys (id, purpose, wrapped, master_key_id, created_at) VALUES ($id, $purpose, $wrapped, $master, $now)
        ON CONFLICT (id) DO NOTHING
        """;
    public const string RewrapDataKey = """
        UPDATE data_keys SET wrapped = $wrapped, master_key_id = $master, rewrapped_at = $now WHERE id = $id AND master_key_id = $expected
        """;
}
