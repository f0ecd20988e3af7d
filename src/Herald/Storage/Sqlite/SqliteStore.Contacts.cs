namespace Herald.Storage.Sqlite;

public sealed partial class SqliteStore : IContactReader
{
    public long CountRecipients(int teamId)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.CountRecipients, ("$team", teamId));
        return Convert.ToInt64(cmd.ExecuteScalar());
    }

    public bool RecipientKnown(int teamId, string recipient)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.RecipientKnown, ("$team", teamId), ("$recipient", recipient));
        return Convert.ToInt64(cmd.ExecuteScalar()) != 0;
    }
}
