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
        int teamId, string type, string fromDate, string toDate, SnapshotAccountFilter filter, string? account, int limit)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectSnapshots, ("$team", teamId), ("$type", type), ("$from", fromDate), ("$to", toDate),
            ("$account_mode", (int)filter), ("$account", account), ("$limit", limit));
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
}
