namespace Herald.Storage.Sqlite;

public sealed partial class SqliteStore : ISnapshotStore
{
    public void UpsertSnapshots(IReadOnlyList<SnapshotRecord> snapshots)
    {
        if (snapshots.Count == 0) return;
        using var c = Open();
        using var tx = c.BeginTransaction();
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = SqliteSql.UpsertSnapshot;
        var team = cmd.Parameters.Add("$team", Microsoft.Data.Sqlite.SqliteType.Integer);
        var account = cmd.Parameters.Add("$account", Microsoft.Data.Sqlite.SqliteType.Text);
        var date = cmd.Parameters.Add("$date", Microsoft.Data.Sqlite.SqliteType.Text);
        var type = cmd.Parameters.Add("$type", Microsoft.Data.Sqlite.SqliteType.Text);
        var start = cmd.Parameters.Add("$start", Microsoft.Data.Sqlite.SqliteType.Integer);
        var end = cmd.Parameters.Add("$end", Microsoft.Data.Sqlite.SqliteType.Integer);
        var metrics = cmd.Parameters.Add("$metrics", Microsoft.Data.Sqlite.SqliteType.Text);
        var now = cmd.Parameters.Add("$now", Microsoft.Data.Sqlite.SqliteType.Integer);
        foreach (var s in snapshots)
        {
            team.Value = s.TeamId;
            account.Value = (object?)s.Account ?? DBNull.Value;
            date.Value = s.Date;
            type.Value = s.Type;
            start.Value = s.PeriodStartMs;
            end.Value = s.PeriodEndMs;
            metrics.Value = s.MetricsJson;
            now.Value = s.UpdatedAtMs;
            cmd.ExecuteNonQuery();
        }
        tx.Commit();
    }

    public IReadOnlyList<SnapshotRecord> ListSnapshots(
        int teamId, string type, string fromDate, string toDate, SnapshotAccountFilter filter, string? account, int limit, (string Date, string Account)? after = null)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectSnapshots, ("$team", teamId), ("$type", type), ("$from", fromDate), ("$to", toDate),
            ("$account_mode", (int)filter), ("$account", account), ("$limit", limit), ("$after_date", after?.Date), ("$after_account", after?.Account));
        using var r = cmd.ExecuteReader();
        var list = new List<SnapshotRecord>();
        while (r.Read())
            list.Add(new SnapshotRecord(r.GetInt32(0), Text(r, 1), r.GetString(2), r.GetString(3), r.GetInt64(4), r.GetInt64(5), r.GetString(6),
                r.GetInt64(7), r.GetInt64(8)));
        return list;
    }

    public void ReadRecipientItems(int teamId, long fromMs, long toMs, Action<RecipientItem> visit)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectRecipientItems, ("$team", teamId), ("$from", fromMs), ("$to", toMs));
        using var r = cmd.ExecuteReader();
        while (r.Read()) visit(new RecipientItem(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt32(3), r.GetInt32(4)));
    }

    public StoredContacts CountContacts(int teamId, long fromMs, long toMs)
    {
        using var c = Open();
        StoredContactCount team;
        using (var cmd = Command(c, SqliteSql.CountTeamContacts, ("$team", teamId), ("$from", fromMs), ("$to", toMs)))
        using (var r = cmd.ExecuteReader())
        {
            r.Read();
            team = new StoredContactCount(r.GetInt64(0), (long)r.GetDouble(1));
        }
        var byAccount = new Dictionary<string, StoredContactCount>(StringComparer.Ordinal);
        using (var cmd = Command(c, SqliteSql.CountAccountContacts, ("$team", teamId), ("$from", fromMs), ("$to", toMs)))
        using (var r = cmd.ExecuteReader())
            while (r.Read()) byAccount[r.GetString(0)] = new StoredContactCount(r.GetInt64(1), (long)r.GetDouble(2));
        return new StoredContacts(team, byAccount);
    }

    public long? FirstContact(int teamId, string recipient, string? account, long toMs)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectFirstContact, ("$team", teamId), ("$recipient", recipient), ("$account", account), ("$to", toMs));
        return cmd.ExecuteScalar() is long first ? first : null;
    }

    public IReadOnlyList<string> BlockedRecipients(int teamId, long toMs)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectBlockedRecipients, ("$team", teamId), ("$to", toMs));
        using var r = cmd.ExecuteReader();
        var list = new List<string>();
        while (r.Read()) list.Add(r.GetString(0));
        return list;
    }

    public IReadOnlyList<(string Account, string Recipient)> AccountsOfRecipients(int teamId, IReadOnlyCollection<string> recipients, long toMs)
    {
        if (recipients.Count == 0) return [];
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectAccountsOfRecipients, ("$team", teamId), ("$recipients", System.Text.Json.JsonSerializer.Serialize(recipients)),
            ("$to", toMs));
        using var r = cmd.ExecuteReader();
        var list = new List<(string, string)>();
        while (r.Read()) list.Add((r.GetString(0), r.GetString(1)));
        return list;
    }
}
