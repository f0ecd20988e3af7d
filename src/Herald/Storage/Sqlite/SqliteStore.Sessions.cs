namespace Herald.Storage.Sqlite;

public sealed partial class SqliteStore : ISessionStore
{
    public void SaveSession(string sessionId, int keyId, byte[] ticket, long nowMs, long expiresAtMs)
    {
        using var c = Open();
        Execute(c, null, SqliteSql.UpsertSession, ("$id", sessionId), ("$key", keyId), ("$ticket", ticket), ("$now", nowMs), ("$expires", expiresAtMs));
    }

    public byte[]? FindSession(string sessionId, long nowMs)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = SqliteSql.SelectSession;
        cmd.Parameters.AddWithValue("$id", sessionId);
        cmd.Parameters.AddWithValue("$now", nowMs);
        return cmd.ExecuteScalar() as byte[];
    }

    public void DeleteSession(string sessionId)
    {
        using var c = Open();
        Execute(c, null, SqliteSql.DeleteSession, ("$id", sessionId));
    }

    public int DeleteExpiredSessions(long nowMs)
    {
        using var c = Open();
        return Execute(c, null, SqliteSql.DeleteExpiredSessions, ("$now", nowMs));
    }
}
