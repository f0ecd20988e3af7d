using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

public sealed partial class SqliteStore
{
    public IReadOnlyList<TeamRecord> ListTeams()
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = SqliteSql.SelectTeams;
        using var r = cmd.ExecuteReader();
        var teams = new List<TeamRecord>();
        while (r.Read()) teams.Add(new TeamRecord(r.GetInt32(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4)));
        return teams;
    }

    public TeamRecord CreateTeam(string name, string publicId, string webhookToken, long nowMs)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = SqliteSql.InsertTeam;
        cmd.Parameters.AddWithValue("$public_id", publicId);
        cmd.Parameters.AddWithValue("$name", name);
        cmd.Parameters.AddWithValue("$token", webhookToken);
        cmd.Parameters.AddWithValue("$now", nowMs);
        try
        {
            int id = Convert.ToInt32(cmd.ExecuteScalar());
            return new TeamRecord(id, publicId, name, webhookToken, nowMs);
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            throw new DuplicateNameException($"a team named '{name}' already exists");
        }
    }

    public IReadOnlyList<AccountRecord> ListAccounts(int teamId)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = SqliteSql.SelectAccounts;
        cmd.Parameters.AddWithValue("$team", teamId);
        using var r = cmd.ExecuteReader();
        var list = new List<AccountRecord>();
        while (r.Read()) list.Add(ReadAccount(r));
        return list;
    }

    public AccountRecord UpsertAccount(int teamId, string name, double? tpsLimit, double? creditBalance, long nowMs)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = SqliteSql.UpsertAccount;
        cmd.Parameters.AddWithValue("$team", teamId);
        cmd.Parameters.AddWithValue("$name", name);
        cmd.Parameters.AddWithValue("$tps", tpsLimit is { } t ? t : DBNull.Value);
        cmd.Parameters.AddWithValue("$credit", creditBalance is { } b ? b : DBNull.Value);
        cmd.Parameters.AddWithValue("$now", nowMs);
        using var r = cmd.ExecuteReader();
        r.Read();
        return ReadAccount(r);
    }

    private static AccountRecord ReadAccount(SqliteDataReader r) =>
        new(r.GetInt32(0), r.GetInt32(1), r.GetString(2), Double(r, 3), Double(r, 4), r.GetInt64(5), r.IsDBNull(6) ? null : r.GetInt64(6));

    public ApiKeyRecord CreateKey(ApiKeyRecord key, byte[] keyHash)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = SqliteSql.InsertKey;
        cmd.Parameters.AddWithValue("$public_id", key.PublicId);
        cmd.Parameters.AddWithValue("$team", key.TeamId is { } t ? t : DBNull.Value);
        cmd.Parameters.AddWithValue("$name", key.Name);
        cmd.Parameters.AddWithValue("$hash", keyHash);
        cmd.Parameters.AddWithValue("$prefix", key.Prefix);
        cmd.Parameters.AddWithValue("$scopes", string.Join(' ', key.Scopes));
        cmd.Parameters.AddWithValue("$rl_requests", key.RateLimitRequests is { } n ? n : DBNull.Value);
        cmd.Parameters.AddWithValue("$rl_period", key.RateLimitPeriodMs is { } p ? p : DBNull.Value);
        cmd.Parameters.AddWithValue("$expires", key.ExpiresAtMs is { } e ? e : DBNull.Value);
        cmd.Parameters.AddWithValue("$now", key.CreatedAtMs);
        cmd.Parameters.AddWithValue("$description", (object?)key.Description ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$environment", key.Environment);
        cmd.Parameters.AddWithValue("$created_by", (object?)key.CreatedBy ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$active", key.IsActive ? 1 : 0);
        cmd.Parameters.AddWithValue("$allowed_ips", (object?)key.AllowedIps ?? DBNull.Value);
        using var r = cmd.ExecuteReader();
        r.Read();
        return ReadKey(r);
    }

    public ApiKeyRecord? FindKeyByHash(byte[] keyHash)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = SqliteSql.SelectKeyByHash;
        cmd.Parameters.AddWithValue("$hash", keyHash);
        using var r = cmd.ExecuteReader();
        return r.Read() ? ReadKey(r) : null;
    }

    public ApiKeyRecord? FindKeyById(int id)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = SqliteSql.SelectKeyById;
        cmd.Parameters.AddWithValue("$id", id);
        using var r = cmd.ExecuteReader();
        return r.Read() ? ReadKey(r) : null;
    }

    public IReadOnlyList<ApiKeyRecord> ListKeys(int? teamId)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = SqliteSql.SelectKeys;
        cmd.Parameters.AddWithValue("$team", teamId is { } t ? t : DBNull.Value);
        using var r = cmd.ExecuteReader();
        var keys = new List<ApiKeyRecord>();
        while (r.Read()) keys.Add(ReadKey(r));
        return keys;
    }

    public bool RevokeKey(string publicId, long nowMs)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = SqliteSql.RevokeKey;
        cmd.Parameters.AddWithValue("$public_id", publicId);
        cmd.Parameters.AddWithValue("$now", nowMs);
        return cmd.ExecuteNonQuery() == 1;
    }

    public ApiKeyRecord? UpdateKey(string publicId, bool? isActive, string? description, string? allowedIps = null)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.UpdateKey, ("$public_id", publicId), ("$active", isActive is { } a ? a ? 1 : 0 : null), ("$description", description),
            ("$allowed_ips", allowedIps));
        using var r = cmd.ExecuteReader();
        return r.Read() ? ReadKey(r) : null;
    }

    public bool AnyAdminKey()
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = SqliteSql.AnyAdminKey;
        return Convert.ToInt64(cmd.ExecuteScalar()) == 1;
    }

    public void RecordKeyUsage(IReadOnlyList<(int KeyId, long Uses, long LastUsedAtMs)> usage)
    {
        if (usage.Count == 0) return;
        using var c = Open();
        using var tx = c.BeginTransaction();
        foreach (var (id, uses, last) in usage)
            Execute(c, tx, SqliteSql.RecordKeyUsage, ("$id", id), ("$uses", uses), ("$last", last));
        tx.Commit();
    }

    private static ApiKeyRecord ReadKey(SqliteDataReader r) => new(
        r.GetInt32(0), r.GetString(1), Int(r, 2), r.GetString(3), r.GetString(4),
        r.GetString(5).Split(' ', StringSplitOptions.RemoveEmptyEntries), Int(r, 6), Long(r, 7), Long(r, 8), Long(r, 9),
        Long(r, 10), r.GetInt64(11), r.GetInt64(12), Text(r, 13), r.GetString(14), Text(r, 15), r.GetInt64(16) != 0, Text(r, 17));
}
