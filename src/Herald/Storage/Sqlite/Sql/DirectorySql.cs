namespace Herald.Storage.Sqlite;

internal static partial class SqliteSql
{
    // Directory.
    public const string SelectTeams = "SELECT id, public_id, name, webhook_token, created_at FROM teams ORDER BY id";
    public const string InsertTeam = """
        INSERT INTO teams (public_id, name, webhook_token, created_at) VALUES ($public_id, $name, $token, $now) RETURNING id
        """;
    public const string SelectAccounts = """
        SELECT id, team_id, name, tps_limit, credit_balance, created_at, balance_set_at FROM accounts WHERE team_id = $team ORDER BY name
        """;
    public const string UpsertAccount = """
        INSERT INTO accounts (team_id, name, tps_limit, credit_balance, created_at, balance_set_at)
        VALUES ($team, $name, $tps, $credit, $now, CASE WHEN $credit IS NULL THEN NULL ELSE $now END)
        ON CONFLICT (team_id, name) DO UPDATE SET tps_limit = excluded.tps_limit, credit_balance = excluded.credit_balance,
            balance_set_at = excluded.balance_set_at
        RETURNING id, team_id, name, tps_limit, credit_balance, created_at, balance_set_at
        """;
    public const string KeyColumns = """
        id, public_id, team_id, name, prefix, scopes, rate_limit_requests, rate_limit_period_ms, expires_at, revoked_at,
        last_used_at, usage_count, created_at, description, environment, created_by, is_active, allowed_ips
        """;
    public const string InsertKey = """
        INSERT INTO api_keys (public_id, team_id, name, key_hash, prefix, scopes, rate_limit_requests, rate_limit_period_ms,
                              expires_at, created_at, description, environment, created_by, is_active, allowed_ips)
        VALUES ($public_id, $team, $name, $hash, $prefix, $scopes, $rl_requests, $rl_period, $expires, $now, $description, $environment,
                $created_by, $active, $allowed_ips)
        RETURNING 
        """ + " " + KeyColumns;
    public const string SelectKeyByHash = "SELECT " + KeyColumns + " FROM api_keys WHERE key_hash = $hash";
    public const string SelectKeys = "SELECT " + KeyColumns + " FROM api_keys WHERE ($team IS NULL OR team_id = $team) ORDER BY id";
    public const string UpdateKey = """
        UPDATE api_keys SET is_active = IFNULL($active, is_active), description = IFNULL($description, description),
            allowed_ips = CASE WHEN $allowed_ips IS NULL THEN allowed_ips WHEN $allowed_ips = '' THEN NULL ELSE $allowed_ips END
        WHERE public_id = $public_id AND revoked_at IS NULL
        RETURNING
        """ + " " + KeyColumns;
    public const string RevokeKey = "UPDATE api_keys SET revoked_at = $now WHERE public_id = $public_id AND revoked_at IS NULL";
    public const string AnyAdminKey = "SELECT EXISTS (SELECT 1 FROM api_keys WHERE team_id IS NULL AND revoked_at IS NULL AND scopes LIKE '%admin%')";
    public const string RecordKeyUsage = """
        UPDATE api_keys SET usage_count = usage_count + $uses, last_used_at = MAX(IFNULL(last_used_at, 0), $last) WHERE id = $id
        """;
}
