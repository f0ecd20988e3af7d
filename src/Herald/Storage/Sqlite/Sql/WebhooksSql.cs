namespace Herald.Storage.Sqlite;

internal static partial class SqliteSql
{
    // Webhooks: the team's token and its per-provider secrets.
    public const string RotateWebhookToken = "UPDATE teams SET webhook_token = $token WHERE id = $id";
    public const string SelectWebhookSecrets = """
        SELECT team_id, provider, secret, verify_token, updated_at FROM webhook_secrets WHERE team_id = $team ORDER BY provider
        """;
    public const string SelectWebhookSecret = """
        SELECT team_id, provider, secret, verify_token, updated_at FROM webhook_secrets WHERE team_id = $team AND provider = $provider
        """;
    public const string UpsertWebhookSecret = """
        INSERT INTO webhook_secrets (team_id, provider, secret, verify_token, updated_at) VALUES ($team, $provider, $secret, $verify, $now)
        ON CONFLICT (team_id, provider) DO UPDATE SET secret = excluded.secret, verify_token = excluded.verify_token, updated_at = excluded.updated_at
        """;
    public const string DeleteWebhookSecret = "DELETE FROM webhook_secrets WHERE team_id = $team AND provider = $provider";
}
