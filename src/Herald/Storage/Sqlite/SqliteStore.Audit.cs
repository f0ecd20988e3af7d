using System.Text;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

public sealed partial class SqliteStore : IAuditStore
{
    public IReadOnlyList<long> AppendAudit(IReadOnlyList<AuditEntry> entries)
    {
        using var c = Open();
        // Immediate: the tail read and the appends hold the write lock together, so a server and a CLI never fork the chain.
        using var tx = c.BeginTransaction(deferred: false);
        using var tail = Command(c, SqliteSql.SelectAuditTail);
        using var insert = Command(c, SqliteSql.InsertAudit);
        tail.Transaction = tx;
        insert.Transaction = tx;
        var appended = AppendAudit(tail, insert, entries);
        tx.Commit();
        return appended;
    }

    /// <summary>
    /// Chains the entries after the stored tail. The commands' transaction must already hold the write lock (an immediate
    /// one), so that no other writer appends between the tail read and the inserts.
    /// </summary>
    private static List<long> AppendAudit(SqliteCommand tail, SqliteCommand insert, IReadOnlyList<AuditEntry> entries)
    {
        long seq = 0;
        byte[] previous = AuditChain.Genesis;
        using (var r = tail.ExecuteReader())
        {
            if (r.Read())
            {
                seq = r.GetInt64(0);
                previous = (byte[])r.GetValue(1);
            }
        }
        var appended = new List<long>(entries.Count);
        foreach (var e in entries)
        {
            seq++;
            var hash = AuditChain.Hash(seq, e, previous);
            insert.Parameters.Clear();
            AddAuditParameters(insert, seq, e, previous, hash);
            insert.ExecuteNonQuery();
            appended.Add(seq);
            previous = hash;
        }
        return appended;
    }

    public IReadOnlyList<AuditRow> ReadAudit(AuditQuery query)
    {
        var q = query;
        var sql = new StringBuilder("SELECT ").Append(SqliteSql.AuditColumns).Append(" FROM audit_log WHERE 1 = 1");
        using var c = Open();
        using var cmd = c.CreateCommand();
        if (q.Teams is { } teams)
        {
            sql.Append(" AND team_id IN (");
            for (int i = 0; i < teams.Count; i++)
            {
                sql.Append(i == 0 ? "$t" : ", $t").Append(i);
                cmd.Parameters.AddWithValue("$t" + i, teams[i]);
            }
            sql.Append(teams.Count == 0 ? "NULL)" : ")");
        }
        Filter(sql, cmd, "at >= $from", "$from", q.FromMs);
        Filter(sql, cmd, "at < $to", "$to", q.ToMs);
        Filter(sql, cmd, "actor = $actor", "$actor", q.Actor);
        Filter(sql, cmd, "resource_type = $type", "$type", q.ResourceType);
        Filter(sql, cmd, "action = $action", "$action", q.Action);
        Filter(sql, cmd, "seq < $before", "$before", q.BeforeSeq);
        sql.Append(" ORDER BY seq DESC LIMIT $limit");
        cmd.Parameters.AddWithValue("$limit", q.Limit);
        cmd.CommandText = sql.ToString();
        var rows = new List<AuditRow>();
        using var r = cmd.ExecuteReader();
        while (r.Read()) rows.Add(ReadAuditRow(r));
        return rows;
    }

    public AuditVerification VerifyAudit()
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectAuditChain);
        using var r = cmd.ExecuteReader();
        long count = 0;
        long? first = null, last = null;
        byte[]? expectedPrevious = null;
        while (r.Read())
        {
            var row = ReadAuditRow(r);
            count++;
            first ??= row.Seq;
            // The oldest kept entry anchors the chain (retention may have removed the ones before it).
            if (expectedPrevious is not null && (row.Seq != last + 1 || !row.PreviousHash.AsSpan().SequenceEqual(expectedPrevious)))
                return new AuditVerification(count, first, row.Seq, row.Seq,
                    row.Seq != last + 1 ? $"entries {last + 1}..{row.Seq - 1} are missing" : "does not follow the entry before it");
            if (!AuditChain.Hash(row.Seq, row.Entry, row.PreviousHash).AsSpan().SequenceEqual(row.Hash))
                return new AuditVerification(count, first, row.Seq, row.Seq, "its content does not match its hash (edited)");
            expectedPrevious = row.Hash;
            last = row.Seq;
        }
        return new AuditVerification(count, first, last, null, null);
    }

    private static void Filter(StringBuilder sql, SqliteCommand cmd, string condition, string name, object? value)
    {
        if (value is null) return;
        sql.Append(" AND ").Append(condition);
        cmd.Parameters.AddWithValue(name, value);
    }

    private static void AddAuditParameters(SqliteCommand cmd, long seq, AuditEntry e, byte[] previous, byte[] hash)
    {
        var p = cmd.Parameters;
        p.AddWithValue("$seq", seq);
        p.AddWithValue("$at", e.AtMs);
        p.AddWithValue("$team", e.TeamId is { } t ? t : DBNull.Value);
        p.AddWithValue("$actor", e.Actor);
        p.AddWithValue("$ip", (object?)e.RemoteIp ?? DBNull.Value);
        p.AddWithValue("$action", e.Action);
        p.AddWithValue("$type", e.ResourceType);
        p.AddWithValue("$id", (object?)e.ResourceId ?? DBNull.Value);
        p.AddWithValue("$outcome", e.Outcome);
        p.AddWithValue("$changes", (object?)AuditChain.ChangesText(e.Changes) ?? DBNull.Value);
        p.AddWithValue("$prev", previous);
        p.AddWithValue("$hash", hash);
    }

    private static AuditRow ReadAuditRow(SqliteDataReader r) => new(
        r.GetInt64(0),
        new AuditEntry(r.GetInt64(1), r.IsDBNull(2) ? null : r.GetInt32(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4), r.GetString(5),
            r.GetString(6), r.IsDBNull(7) ? null : r.GetString(7), r.GetInt32(8), AuditChain.ChangesOf(r.IsDBNull(9) ? null : r.GetString(9))),
        (byte[])r.GetValue(10), (byte[])r.GetValue(11));
}
