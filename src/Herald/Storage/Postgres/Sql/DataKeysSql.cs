namespace Herald.Storage.Postgres;

internal static partial class PostgresSql
{
    // Field encryption (migration 3): the wrapped data keys, and the values stored in clear before it.
    public const string SelectDataKeys = "SELECT id, purpose, wrapped, master_key_id, created_at FROM data_keys ORDER BY id";
    public const string InsertDataKey = """
        INSERT INTO data_keys (id, purpose, wrapped, master_key_id, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING
        """;
    public const string RewrapDataKey = """
        UPDATE data_keys SET wrapped = $2, master_key_id = $3, rewrapped_at = $4 WHERE id = $1 AND master_key_id = $5
        """;
    public const string SelectPlaintextWebhookSecrets = """
        SELECT team_id, provider, secret, verify_token FROM webhook_secrets WHERE secret IS NOT NULL OR verify_token IS NOT NULL
        """;
    public const string SealWebhookSecret = """
        UPDATE webhook_secrets SET secret_sealed = COALESCE($3::bytea, secret_sealed), verify_token_sealed = COALESCE($4::bytea, verify_token_sealed),
            secret = NULL, verify_token = NULL
        WHERE team_id = $1 AND provider = $2
        """;
    /// <summary>A batch of message bodies still in clear, from the partial index that holds only them.</summary>
    public const string SelectPlaintextEventTexts = "SELECT id, text FROM events WHERE text IS NOT NULL LIMIT $1";
    public const string SealEventText = "UPDATE events SET text_sealed = $2, text = NULL WHERE id = $1 AND text IS NOT NULL";
}
