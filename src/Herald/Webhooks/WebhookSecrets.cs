using System.Collections.Concurrent;
using Herald.Storage;

namespace Herald.Webhooks;

/// <summary>
/// The per-team provider secrets, read through a small cache that the secrets API invalidates (only the API changes
/// them). Twilio voice callbacks are signed with the same auth token as messaging: without a secret of its own,
/// <c>twilio-voice</c> uses the team's <c>twilio</c> one.
/// </summary>
public sealed class WebhookSecrets(IDirectoryStore store, TimeProvider time, ILogger<WebhookSecrets> logger)
{
    private readonly ConcurrentDictionary<(int, string), WebhookSecretRecord?> _cache = new();
    private readonly ConcurrentDictionary<(int, string), byte> _unsignedNoticed = new();

    public WebhookSecretRecord? Stored(int teamId, string provider) =>
        _cache.GetOrAdd((teamId, provider), k => store.FindWebhookSecret(k.Item1, k.Item2));

    /// <summary>The secret that verifies a callback of this provider, or null when verification is off.</summary>
    public string? SecretFor(int teamId, string provider)
    {
        var own = Stored(teamId, provider)?.Secret;
        if (own is null && provider == WebhookProviders.TwilioVoice) own = Stored(teamId, WebhookProviders.Twilio)?.Secret;
        return own;
    }

    public IReadOnlyList<WebhookSecretRecord> List(int teamId) => store.ListWebhookSecrets(teamId);

    public WebhookSecretRecord Set(int teamId, string provider, string? secret, string? verifyToken)
    {
        var record = new WebhookSecretRecord(teamId, provider, secret, verifyToken, time.GetUtcNow().ToUnixTimeMilliseconds());
        store.UpsertWebhookSecret(record);
        _cache.TryRemove((teamId, provider), out _);
        _unsignedNoticed.TryRemove((teamId, provider), out _);
        return record;
    }

    public bool Delete(int teamId, string provider)
    {
        bool deleted = store.DeleteWebhookSecret(teamId, provider);
        _cache.TryRemove((teamId, provider), out _);
        return deleted;
    }

    /// <summary>Logs once per team and provider (per process) that its callbacks are taken unsigned.</summary>
    public void NoticeUnsigned(int teamId, string teamPublicId, string provider)
    {
        if (_unsignedNoticed.TryAdd((teamId, provider), 0))
            logger.LogInformation("webhook signature verification is off for team {Team} provider {Provider}: no secret is configured, unsigned callbacks are accepted",
                teamPublicId, provider);
    }
}
