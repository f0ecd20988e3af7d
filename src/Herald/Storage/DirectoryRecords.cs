namespace Herald.Storage;

public sealed record TeamRecord(int Id, string PublicId, string Name, string WebhookToken, long CreatedAtMs);

/// <summary>A sending account. <paramref name="BalanceSetAtMs"/>: when <paramref name="CreditBalance"/> was last stated; spending counts from then.</summary>
public sealed record AccountRecord(int Id, int TeamId, string Name, double? TpsLimit, double? CreditBalance, long CreatedAtMs, long? BalanceSetAtMs);

/// <summary>A team's secret for one webhook provider (Twilio auth token, Meta app secret, shared HMAC secret) and, for WhatsApp, the verify token.</summary>
public sealed record WebhookSecretRecord(int TeamId, string Provider, string? Secret, string? VerifyToken, long UpdatedAtMs);

public sealed record ApiKeyRecord(
    int Id,
    string PublicId,
    int? TeamId,
    string Name,
    string Prefix,
    string[] Scopes,
    int? RateLimitRequests,
    long? RateLimitPeriodMs,
    long? ExpiresAtMs,
    long? RevokedAtMs,
    long? LastUsedAtMs,
    long UsageCount,
    long CreatedAtMs,
    string? Description = null,
    string Environment = ApiKeyEnvironments.Development,
    string? CreatedBy = null,
    bool IsActive = true,
    string? AllowedIps = null);

/// <summary>Where a key is used; it says which traffic a key's requests are, it changes nothing they may do.</summary>
public static class ApiKeyEnvironments
{
    public const string Development = "development";
    public static readonly string[] All = [Development, "staging", "production"];
}

/// <summary>Teams, accounts, API keys and webhook secrets.</summary>
public interface IDirectoryStore
{
    IReadOnlyList<TeamRecord> ListTeams();
    TeamRecord CreateTeam(string name, string publicId, string webhookToken, long nowMs);
    IReadOnlyList<AccountRecord> ListAccounts(int teamId);
    AccountRecord UpsertAccount(int teamId, string name, double? tpsLimit, double? creditBalance, long nowMs);
    ApiKeyRecord CreateKey(ApiKeyRecord key, byte[] keyHash);
    ApiKeyRecord? FindKeyByHash(byte[] keyHash);
    ApiKeyRecord? FindKeyById(int id);
    IReadOnlyList<ApiKeyRecord> ListKeys(int? teamId);
    bool RevokeKey(string publicId, long nowMs);
    /// <summary>Turns a key that is not revoked on or off and sets its description; null when there is no such key.</summary>
    /// <summary>Changes what is given: <paramref name="allowedIps"/> null keeps the list, empty clears it (anywhere).</summary>
    ApiKeyRecord? UpdateKey(string publicId, bool? isActive, string? description, string? allowedIps = null);
    bool AnyAdminKey();
    void RecordKeyUsage(IReadOnlyList<(int KeyId, long Uses, long LastUsedAtMs)> usage);
    /// <summary>Replaces the team's webhook token; false when there is no such team.</summary>
    bool RotateWebhookToken(int teamId, string webhookToken);
    IReadOnlyList<WebhookSecretRecord> ListWebhookSecrets(int teamId);
    WebhookSecretRecord? FindWebhookSecret(int teamId, string provider);
    void UpsertWebhookSecret(WebhookSecretRecord secret);
    bool DeleteWebhookSecret(int teamId, string provider);
}
