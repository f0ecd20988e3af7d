namespace Herald.Storage.Sqlite;

internal static partial class SqliteSql
{
    // Hashed recipients (migration 44): the form the store's recipients are written in.
    public const string RecipientModeSetting = "recipients";
    /// <summary>Set once every message body stored before they were sealed is sealed (migration 44's upgrade).</summary>
    public const string EventTextsSealedSetting = "event_texts_sealed";
    public const string SelectStoreSetting = "SELECT value FROM store_settings WHERE name = $name";
    public const string UpsertStoreSetting = """
        INSERT INTO store_settings (name, value, updated_at) VALUES ($name, $value, $now)
        ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
        """;
    /// <summary>Whether the store holds anything keyed by a recipient (events, contacts, consent): then its mode is fixed.</summary>
    public const string HoldsRecipients = """
        SELECT EXISTS (SELECT 1 FROM events) OR EXISTS (SELECT 1 FROM contacts) OR EXISTS (SELECT 1 FROM consent_changes)
        """;
}
