namespace Herald.Storage;

/// <summary>Server-side dashboard sessions: the browser holds only the id, so deleting the row ends the session.</summary>
public interface ISessionStore
{
    void SaveSession(string sessionId, int keyId, byte[] ticket, long nowMs, long expiresAtMs);
    /// <summary>The session's ticket while it has not expired; null once it was deleted or expired.</summary>
    byte[]? FindSession(string sessionId, long nowMs);
    void DeleteSession(string sessionId);
    int DeleteExpiredSessions(long nowMs);
}
