namespace Herald.Storage.Sqlite;

internal static partial class SqliteSql
{
    // Operations.
    public const string Ping = "SELECT 1";
}
