using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

public sealed partial class SqliteStore : IPurgeStore
{
    public IReadOnlyList<PurgeCandidate> SelectPurgeCandidates(PurgeCollection collection, long beforeMs, long nowMs, PurgeCandidate? after, int limit)
    {
        var spec = SqliteSql.PurgeSpecOf(collection);
        using var c = Open();
        using var tx = c.BeginTransaction(deferred: true);
        using var cmd = PolicyCommand(c, tx, SqliteSql.SelectPurgeCandidates(spec, after is not null), beforeMs, nowMs, after?.Key[0], limit + 1);
        cmd.Parameters.AddWithValue("$limit", limit);
        if (after is not null)
            for (int i = 0; i < after.Key.Length; i++) cmd.Parameters.AddWithValue("$c" + i, after.Key[i]);
        return ReadCandidates(cmd, spec);
    }

    public void ReadPurgeRows(PurgeCollection collection, IReadOnlyList<PurgeCandidate> candidates, Action<string, IReadOnlyList<(string Column, object? Value)>> visit)
    {
        var spec = SqliteSql.PurgeSpecOf(collection);
        string keys = KeysJson(candidates);
        using var c = Open();
        // One snapshot for the main rows and theirs.
        using var tx = c.BeginTransaction(deferred: true);
        ReadRows(c, tx, spec.Table, SqliteSql.SelectPurgeRows(spec), keys, visit);
        foreach (var dependent in spec.Dependents) ReadRows(c, tx, dependent.Table, SqliteSql.SelectDependentRows(dependent), keys, visit);
    }

    public PurgeResult DeletePurgeCandidates(PurgeCollection collection, long beforeMs, long nowMs, IReadOnlyList<PurgeCandidate> candidates)
    {
        var spec = SqliteSql.PurgeSpecOf(collection);
        using var c = Open();
        using var tx = c.BeginTransaction(deferred: false);
        List<PurgeCandidate> still;
        using (var cmd = PolicyCommand(c, tx, SqliteSql.SelectStillPurged(spec), beforeMs, nowMs, candidates[0].Key[0], candidates.Count))
        {
            cmd.Parameters.AddWithValue("$keys", KeysJson(candidates));
            still = ReadCandidates(cmd, spec);
        }
        if (still.Count == 0) return new PurgeResult(0, []);
        string keys = KeysJson(still);
        var files = new List<string>();
        if (spec.FileKeys is { } fileSql)
        {
            using var cmd = Command(c, fileSql, ("$keys", keys));
            cmd.Transaction = tx;
            using var r = cmd.ExecuteReader();
            while (r.Read()) files.Add(r.GetString(0));
        }
        if (spec.BeforeDelete is { } before) Execute(c, tx, before, ("$keys", keys), ("$now", nowMs));
        foreach (var dependent in spec.Dependents) Execute(c, tx, SqliteSql.DeleteDependentRows(dependent), ("$keys", keys));
        int deleted = Execute(c, tx, SqliteSql.DeletePurgeRows(spec), ("$keys", keys));
        if (spec.AfterDelete is { } after) Execute(c, tx, after);
        tx.Commit();
        return new PurgeResult(deleted, files);
    }

    /// <summary>
    /// A policy statement with its parameters: <c>$before</c>, <c>$now</c>, the engine's <c>$checkpoint</c>, and the key range
    /// the statement is about: <c>$first</c>, the first key column's value it starts at (null: the table's start), and
    /// <c>$window</c>, how many rows from there it can concern (a policy may look no further, as the audit trail's does).
    /// </summary>
    private static SqliteCommand PolicyCommand(SqliteConnection c, SqliteTransaction tx, string sql, long beforeMs, long nowMs, object? first, int window)
    {
        long checkpoint;
        using (var cp = Command(c, SqliteSql.ReadCheckpoint))
        {
            cp.Transaction = tx;
            checkpoint = Convert.ToInt64(cp.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
        var cmd = Command(c, sql, ("$before", beforeMs), ("$now", nowMs), ("$checkpoint", checkpoint), ("$first", first), ("$window", window));
        cmd.Transaction = tx;
        return cmd;
    }

    private static List<PurgeCandidate> ReadCandidates(SqliteCommand cmd, PurgeSpec spec)
    {
        var list = new List<PurgeCandidate>();
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            var key = new object[spec.Key.Length];
            for (int i = 0; i < key.Length; i++) key[i] = r.GetValue(i);
            list.Add(new PurgeCandidate(key, r.GetInt64(spec.Key.Length)));
        }
        return list;
    }

    /// <summary>The keys as a JSON array of arrays, for <c>json_each($keys)</c>.</summary>
    private static string KeysJson(IReadOnlyList<PurgeCandidate> candidates) => JsonSerializer.Serialize(candidates.Select(k => k.Key));

    private static void ReadRows(SqliteConnection c, SqliteTransaction tx, string table, string sql, string keys,
        Action<string, IReadOnlyList<(string Column, object? Value)>> visit)
    {
        using var cmd = Command(c, sql, ("$keys", keys));
        cmd.Transaction = tx;
        using var r = cmd.ExecuteReader();
        var row = new (string, object?)[r.FieldCount];
        while (r.Read())
        {
            for (int i = 0; i < row.Length; i++) row[i] = (r.GetName(i), r.IsDBNull(i) ? null : r.GetValue(i));
            visit(table, row);
        }
    }
}
