namespace Herald.Storage.Postgres;

internal static partial class PostgresSql
{
    // Directory: teams, accounts, API keys, webhook secrets.
    public const string SelectTeams = "SELECT id, public_id, name, webhook_token, created_at FROM teams ORDER BY id";
    public const string InsertTeam = "INSERT INTO teams (public_id, name, webhook_token, created_at) VALUES ($1, $2, $3, $4) RETURNING id";
    public const string AccountColumns = "id, team_id, name, tps_limit, credit_balance, created_at, balance_set_at";
    public const string SelectAccounts = "SELECT " + AccountColumns + " FROM accounts WHERE team_id = $1 ORDER BY name COLLATE \"C\"";
    public const string UpsertAccount = """
        INSERT INTO accounts (team_id, name, tps_limit, credit_balance, created_at, balance_set_at)
        VALUES ($1, $2, $3, $4, $5, CASE WHEN $4::double precision IS NULL THEN NULL ELSE $5 END)
        ON CONFLICT (team_id, name) DO UPDATE SET tps_limit = excluded.tps_limit, credit_balance = excluded.credit_balance,
            balance_set_at = excluded.balance_set_at
        RETURNING 
        """ + AccountColumns;
    public const string KeyColumns = """
        id, public_id, team_id, name, prefix, scopes, rate_limit_requests, rate_limit_period_ms, expires_at, revoked_at,
        last_used_at, usage_count, created_at, description, environment, created_by, is_active, allowed_ips
        """;
    public const string InsertKey = """
        INSERT INTO api_keys (public_id, team_id, name, key_hash, prefix, scopes, rate_limit_requests, rate_limit_period_ms,
                              expires_at, created_at, description, environment, created_by, is_active, allowed_ips)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
        RETURNING 
        """ + KeyColumns;
    public const string SelectKeyByHash = "SELECT " + KeyColumns + " FROM api_keys WHERE key_hash = $1";
    public const string SelectKeyById = "SELECT " + KeyColumns + " FROM api_keys WHERE id = $1";
    public const string SelectKeys = "SELECT " + KeyColumns + " FROM api_keys WHERE ($1::integer IS NULL OR team_id = $1) ORDER BY id";
    public const string UpdateKey = """
        UPDATE api_keys SET is_active = COALESCE($2, is_active), description = COALESCE($3, description),
            allowed_ips = CASE WHEN $4::text IS NULL THEN allowed_ips WHEN $4 = '' THEN NULL ELSE $4 END
        WHERE public_id = $1 AND revoked_at IS NULL
        RETURNING 
        """ + KeyColumns;
    public const string RevokeKey = "UPDATE api_keys SET revoked_at = $2 WHERE public_id = $1 AND revoked_at IS NULL";
    public const string AnyAdminKey = "SELECT EXISTS (SELECT 1 FROM api_keys WHERE team_id IS NULL AND revoked_at IS NULL AND scopes LIKE '%admin%')";
    public const string RecordKeyUsage = """
        UPDATE api_keys k SET usage_count = k.usage_count + u.uses, last_used_at = GREATEST(COALESCE(k.last_used_at, 0), u.last)
        FROM unnest($1::integer[], $2::bigint[], $3::bigint[]) AS u(id, uses, last) WHERE k.id = u.id
        """;
    public const string RotateWebhookToken = "UPDATE teams SET webhook_token = $2 WHERE id = $1";
    public const string WebhookSecretColumns = "team_id, provider, secret, verify_token, updated_at, secret_sealed, verify_token_sealed";
    public const string SelectWebhookSecrets = "SELECT " + WebhookSecretColumns + " FROM webhook_secrets WHERE team_id = $1 ORDER BY provider COLLATE \"C\"";
    public const string SelectWebhookSecret = "SELECT " + WebhookSecretColumns + " FROM webhook_secrets WHERE team_id = $1 AND provider = $2";
    public const string UpsertWebhookSecret = """
        INSERT INTO webhook_secrets (team_id, provider, secret_sealed, verify_token_sealed, updated_at) VALUES ($1, $2, $3::bytea, $4::bytea, $5)
        ON CONFLICT (team_id, provider) DO UPDATE SET secret_sealed = excluded.secret_sealed, verify_token_sealed = excluded.verify_token_sealed,
            secret = NULL, verify_token = NULL, updated_at = excluded.updated_at
        """;
    public const string DeleteWebhookSecret = "DELETE FROM webhook_secrets WHERE team_id = $1 AND provider = $2";
}
