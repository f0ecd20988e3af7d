using Herald.Domain;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Herald.Storage.Sqlite;

public sealed partial class SqliteStore : IFailureReader
{
    public IFailureSnapshot OpenFailureSnapshot() => new FailureSnapshot(Open());

    /// <summary>A deferred read transaction whose WAL snapshot is pinned by a first read at creation.</summary>
    private sealed class FailureSnapshot : IFailureSnapshot
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteTransaction _transaction;

        public FailureSnapshot(SqliteConnection connection)
        {
            _connection = connection;
            _transaction = connection.BeginTransaction(deferred: true);
            using var pin = connection.CreateCommand();
            pin.Transaction = _transaction;
            pin.CommandText = SqliteSql.PinReadSnapshot;
            pin.ExecuteScalar();
        }

        public void ReadFailingEvents(int teamId, long fromMs, long midMs, long toMs, Action<FailingEventRow> visit)
        {
            using var cmd = _connection.CreateCommand();
            cmd.Transaction = _transaction;
            cmd.CommandText = SqliteSql.SelectFailingEvents;
            cmd.Parameters.AddWithValue("$team", teamId);
            cmd.Parameters.AddWithValue("$from", fromMs);
            cmd.Parameters.AddWithValue("$mid", midMs);
            cmd.Parameters.AddWithValue("$to", toMs);
            using var r = cmd.ExecuteReader();
            while (r.Read())
                visit(new FailingEventRow(r.GetInt64(0), r.IsDBNull(1) ? -1 : r.GetInt32(1), r.GetInt32(2), Text(r, 3), r.GetInt64(4) != 0));
        }

        public void ReadFailureCells(int teamId, Granularity g, UtcMinute from, UtcMinute to, Action<int, string, long> visit, IReadOnlySet<int>? onlySets = null)
        {
            // SQLite's API straight (the statement runs in this connection's read transaction): per row, ADO.NET's reader
            // and a new string for the code cost more than the read itself, and there are tens of thousands of cells a day.
            var db = _connection.Handle!;
            Check(db, raw.sqlite3_prepare_v2(db, SqliteSql.SelectFailureCells, out var stmt));
            using (stmt)
            {
                Check(db, raw.sqlite3_bind_int64(stmt, 1, teamId));
                Check(db, raw.sqlite3_bind_int64(stmt, 2, (int)g));
                Check(db, raw.sqlite3_bind_int64(stmt, 3, from.Value));
                Check(db, raw.sqlite3_bind_int64(stmt, 4, to.Value));
                int rc;
                while ((rc = raw.sqlite3_step(stmt)) == raw.SQLITE_ROW)
                {
                    int dims = raw.sqlite3_column_int(stmt, 0);
                    if (onlySets is null || onlySets.Contains(dims))
                        visit(dims, _codes.Intern(raw.sqlite3_column_blob(stmt, 1)), raw.sqlite3_column_int64(stmt, 2));
                }
                if (rc != raw.SQLITE_DONE) Check(db, rc);
            }
        }

        private readonly InternedCodes _codes = new();

        private static void Check(sqlite3 db, int rc)
        {
            if (rc != raw.SQLITE_OK) throw new SqliteException(raw.sqlite3_errmsg(db).utf8_to_string(), rc);
        }

        public void Dispose()
        {
            _transaction.Dispose(); // a read-only transaction: rolling back releases the snapshot
            _connection.Dispose();
        }
    }

    /// <summary>SQLite's plan of the failure scan, one line per step (for tests and the benchmark).</summary>
    public IReadOnlyList<string> ExplainFailingEvents()
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "EXPLAIN QUERY PLAN " + SqliteSql.SelectFailingEvents;
        foreach (var p in new[] { "$team", "$from", "$mid", "$to" }) cmd.Parameters.AddWithValue(p, 0);
        using var r = cmd.ExecuteReader();
        var lines = new List<string>();
        while (r.Read()) lines.Add(r.GetString(3));
        return lines;
    }
}
