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

    /// <summary>The protected columns, each with the key that names its row: what the start's upgrade step seals.</summary>
    public static readonly (string Table, string[] Key, string Column)[] ProtectedColumns =
    [
        ("webhook_secrets", ["team_id", "provider"], "secret"),
        ("webhook_secrets", ["team_id", "provider"], "verify_token"),
        ("otp_services", ["id"], "settings"),
        ("alert_channels", ["team_id", "channel"], "config"),
        ("delivery_settings", ["team_id"], "twilio"),
        ("agents", ["id"], "name"),
        ("agents", ["id"], "phone"),
        ("agents", ["id"], "email"),
        ("contacts", ["team_id", "recipient"], "name"),
        ("contacts", ["team_id", "recipient"], "email"),
        ("contacts", ["team_id", "recipient"], "address"),
        ("call_logs", ["id"], "transcription"),
        ("recordings", ["id"], "transcription"),
        ("deliveries", ["id"], "address"),
        ("delivery_tracking", ["id"], "notes"),
        ("call_logs", ["id"], "from_number"),
        ("call_logs", ["id"], "to_number"),
        ("call_logs", ["id"], "webhook_events"),
        ("otps", ["id"], "recipient"),
    ];

    /// <summary>
    /// A batch of message bodies still in plain text, after the last one sealed: read by rowid, so the upgrade of a large
    /// events table reads it once (a scan for the first plain row at each batch would start over every time).
    /// </summary>
    public const string SelectPlaintextEventTexts = """
        SELECT id, text FROM events WHERE id > $after AND typeof(text) = 'text' ORDER BY id LIMIT $limit
        """;
    public const string SealEventText = "UPDATE events SET text = $sealed WHERE id = $id AND typeof(text) = 'text'";
    /// <summary>Customers from before their phone had its own sealed column: the recipient is their phone (plain recipients only).</summary>
    public const string SelectCustomersWithoutPhone = """
        SELECT team_id, recipient FROM contacts WHERE customer_id IS NOT NULL AND phone IS NULL AND recipient NOT LIKE 'hmac:%' LIMIT $limit
        """;
    public const string SetCustomerPhone = "UPDATE contacts SET phone = $phone WHERE team_id = $team AND recipient = $recipient";

    /// <summary>A batch of a column's values still in plain text (rows from before field encryption), with their keys.</summary>
    public static string SelectPlaintext(string table, string[] key, string column) =>
        $"SELECT {string.Join(", ", key)}, {column} FROM {table} WHERE typeof({column}) = 'text' LIMIT $limit";

    /// <summary>Seals one row's value, unless it was rewritten (and so sealed) since it was read.</summary>
    public static string SealPlaintext(string table, string[] key, string column) =>
        $"UPDATE {table} SET {column} = $sealed WHERE {string.Join(" AND ", key.Select((k, i) => $"{k} = $k{i}"))} AND typeof({column}) = 'text'";

    public const string SelectAgentsWithoutIndexes = "SELECT id, phone, email FROM agents WHERE phone_index IS NULL OR email_index IS NULL LIMIT $limit";
    public const string SetAgentIndexes = "UPDATE agents SET phone_index = $phone_index, email_index = $email_index WHERE id = $id";
}
