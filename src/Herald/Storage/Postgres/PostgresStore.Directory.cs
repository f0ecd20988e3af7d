using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>Teams, accounts, API keys and webhook secrets.</summary>
public sealed partial class PostgresStore
{
    public IReadOnlyList<TeamRecord> ListTeams() =>
        ReadAll(PostgresSql.SelectTeams, r => new TeamRecord(r.GetInt32(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4)));

    public TeamRecord CreateTeam(string name, string publicId, string webhookToken, long nowMs)
    {
        using var c = Open();
        try
        {
            int id = Scalar<int>(c, PostgresSql.InsertTeam, publicId, name, webhookToken, nowMs);
            return new TeamRecord(id, publicId, name, webhookToken, nowMs);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new DuplicateNameException($"a team named '{name}' already exists");
        }
    }

    public IReadOnlyList<AccountRecord> ListAccounts(int teamId) => ReadAll(PostgresSql.SelectAccounts, ReadAccount, teamId);

    public AccountRecord UpsertAccount(int teamId, string name, double? tpsLimit, double? creditBalance, long nowMs) =>
        ReadAll(PostgresSql.UpsertAccount, ReadAccount, teamId, name, tpsLimit, creditBalance, nowMs)[0];

    private static AccountRecord ReadAccount(NpgsqlDataReader r) =>
        new(r.GetInt32(0), r.GetInt32(1), r.GetString(2), Double(r, 3), Double(r, 4), r.GetInt64(5), Long(r, 6));

    public ApiKeyRecord CreateKey(ApiKeyRecord key, byte[] keyHash) =>
        ReadAll(PostgresSql.InsertKey, ReadKey, key.PublicId, key.TeamId, key.Name, keyHash, key.Prefix, string.Join(' ', key.Scopes),
            key.RateLimitRequests, key.RateLimitPeriodMs, key.ExpiresAtMs, key.CreatedAtMs, key.Description, key.Environment, key.CreatedBy,
            key.IsActive, key.AllowedIps)[0];

    public ApiKeyRecord? FindKeyByHash(byte[] keyHash) => ReadAll(PostgresSql.SelectKeyByHash, ReadKey, keyHash).FirstOrDefault();

    public ApiKeyRecord? FindKeyById(int id) => ReadAll(PostgresSql.SelectKeyById, ReadKey, id).FirstOrDefault();

    public IReadOnlyList<ApiKeyRecord> ListKeys(int? teamId) => ReadAll(PostgresSql.SelectKeys, ReadKey, teamId);

    public bool RevokeKey(string publicId, long nowMs)
    {
        using var c = Open();
        return Execute(c, PostgresSql.RevokeKey, publicId, nowMs) == 1;
    }

    public ApiKeyRecord? UpdateKey(string publicId, bool? isActive, string? description, string? allowedIps = null) =>
        ReadAll(PostgresSql.UpdateKey, ReadKey, publicId, isActive, description, allowedIps).FirstOrDefault();

    public bool AnyAdminKey()
    {
        using var c = Open();
        return Scalar<bool>(c, PostgresSql.AnyAdminKey);
    }

    public void RecordKeyUsage(IReadOnlyList<(int KeyId, long Uses, long LastUsedAtMs)> usage)
    {
        if (usage.Count == 0) return;
        using var c = Open();
        Execute(c, PostgresSql.RecordKeyUsage, usage.Select(u => u.KeyId).ToArray(), usage.Select(u => u.Uses).ToArray(),
            usage.Select(u => u.LastUsedAtMs).ToArray());
    }

    private static ApiKeyRecord ReadKey(NpgsqlDataReader r) => new(
        r.GetInt32(0), r.GetString(1), Int(r, 2), r.GetString(3), r.GetString(4),
        r.GetString(5).Split(' ', StringSplitOptions.RemoveEmptyEntries), Int(r, 6), Long(r, 7), Long(r, 8), Long(r, 9),
        Long(r, 10), r.GetInt64(11), r.GetInt64(12), Text(r, 13), r.GetString(14), Text(r, 15), r.GetBoolean(16), Text(r, 17));

    public bool RotateWebhookToken(int teamId, string webhookToken)
    {
        using var c = Open();
        return Execute(c, PostgresSql.RotateWebhookToken, teamId, webhookToken) == 1;
    }

    public IReadOnlyList<WebhookSecretRecord> ListWebhookSecrets(int teamId) => ReadAll(PostgresSql.SelectWebhookSecrets, ReadWebhookSecret, teamId);

    public WebhookSecretRecord? FindWebhookSecret(int teamId, string provider) =>
        ReadAll(PostgresSql.SelectWebhookSecret, ReadWebhookSecret, teamId, provider).FirstOrDefault();

    public void UpsertWebhookSecret(WebhookSecretRecord secret)
    {
        using var c = Open();
        Execute(c, PostgresSql.UpsertWebhookSecret, secret.TeamId, secret.Provider, Fields.Seal(secret.Secret), Fields.Seal(secret.VerifyToken), secret.UpdatedAtMs);
    }

    public bool DeleteWebhookSecret(int teamId, string provider)
    {
        using var c = Open();
        return Execute(c, PostgresSql.DeleteWebhookSecret, teamId, provider) == 1;
    }

    private WebhookSecretRecord ReadWebhookSecret(NpgsqlDataReader r) => new(r.GetInt32(0), r.GetString(1), Opened(r, 2, 5), Opened(r, 3, 6), r.GetInt64(4));

    private List<T> ReadAll<T>(string sql, Func<NpgsqlDataReader, T> read, params object?[] values)
    {
        using var c = Open();
        using var cmd = Command(c, sql, values);
        using var r = cmd.ExecuteReader();
        var rows = new List<T>();
        while (r.Read()) rows.Add(read(r));
        return rows;
    }
}
