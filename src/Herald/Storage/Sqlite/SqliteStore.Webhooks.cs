using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

/// <summary>The webhook side of the directory: token rotation and per-provider secrets.</summary>
public sealed partial class SqliteStore
{
    public bool RotateWebhookToken(int teamId, string webhookToken)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = SqliteSql.RotateWebhookToken;
        cmd.Parameters.AddWithValue("$id", teamId);
        cmd.Parameters.AddWithValue("$token", webhookToken);
        return cmd.ExecuteNonQuery() == 1;
    }

    public IReadOnlyList<WebhookSecretRecord> ListWebhookSecrets(int teamId)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = SqliteSql.SelectWebhookSecrets;
        cmd.Parameters.AddWithValue("$team", teamId);
        using var r = cmd.ExecuteReader();
        var list = new List<WebhookSecretRecord>();
        while (r.Read()) list.Add(ReadWebhookSecret(r));
        return list;
    }

    public WebhookSecretRecord? FindWebhookSecret(int teamId, string provider)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = SqliteSql.SelectWebhookSecret;
        cmd.Parameters.AddWithValue("$team", teamId);
        cmd.Parameters.AddWithValue("$provider", provider);
        using var r = cmd.ExecuteReader();
        return r.Read() ? ReadWebhookSecret(r) : null;
    }

    public void UpsertWebhookSecret(WebhookSecretRecord secret)
    {
        using var c = Open();
        Execute(c, null, SqliteSql.UpsertWebhookSecret, ("$team", secret.TeamId), ("$provider", secret.Provider),
            ("$secret", Seal(secret.Secret)), ("$verify", Seal(secret.VerifyToken)), ("$now", secret.UpdatedAtMs));
    }

    public bool DeleteWebhookSecret(int teamId, string provider)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = SqliteSql.DeleteWebhookSecret;
        cmd.Parameters.AddWithValue("$team", teamId);
        cmd.Parameters.AddWithValue("$provider", provider);
        return cmd.ExecuteNonQuery() == 1;
    }

    private WebhookSecretRecord ReadWebhookSecret(SqliteDataReader r) =>
        new(r.GetInt32(0), r.GetString(1), Opened(r, 2), Opened(r, 3), r.GetInt64(4));
}
