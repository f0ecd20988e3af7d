namespace Herald.Storage.Sqlite;

internal static partial class SqliteSql
{
    // Operations.
    /// <summary>Reads the schema, so the answer comes from the file (a migrated store always has tables).</summary>
    public const string Ping = "SELECT COUNT(*) > 0 FROM sqlite_schema";
}
