using Herald.Domain;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

public sealed partial class SqliteStore : IFailureReader
{
    public IFailureSnapshot OpenFailureSnapshot() => new FailureSnapshot(Open());

    private sealed class FailureSnapshot(SqliteConnection connection) : PinnedSnapshot(connection), IFailureSnapshot
    {
        public void ReadFailingEvents(int teamId, long fromMs, long midMs, long toMs, Action<FailingEventRow> visit)
        {
            using var cmd = Connection.CreateCommand();
            cmd.Transaction = Transaction;
            cmd.CommandText = SqliteSql.SelectFailingEvents;
            cmd.Parameters.AddWithValue("$team", teamId);
            cmd.Parameters.AddWithValue("$from", fromMs);
            cmd.Parameters.AddWithValue("$mid", midMs);
            cmd.Parameters.AddWithValue("$to", toMs);
            using var r = cmd.ExecuteReader();
            while (r.Read())
                visit(new FailingEventRow(r.GetInt64(0), r.IsDBNull(1) ? -1 : r.GetInt32(1), r.GetInt32(2), Text(r, 3), r.GetInt64(4) != 0));
        }

        public bool HasFailingEvents(int teamId, long fromMs, long toMs)
        {
            using var cmd = Connection.CreateCommand();
            cmd.Transaction = Transaction;
            cmd.CommandText = SqliteSql.AnyFailingEvent;
            cmd.Parameters.AddWithValue("$team", teamId);
            cmd.Parameters.AddWithValue("$from", fromMs);
            cmd.Parameters.AddWithValue("$to", toMs);
            return (long)cmd.ExecuteScalar()! != 0;
        }

        public void ReadFailureCells(int teamId, Granularity g, UtcMinute from, UtcMinute to, Action<int, string, long> visit, IReadOnlySet<int>? onlySets = null)
        {
            // SQLite's API straight (the statement runs in this connection's read transaction): per row, ADO.NET's reader
            // and a new string for the code cost more than the read itself, and there are tens of thousands of cells a day.
            using var cells = new RawStatement(Connection, SqliteSql.SelectFailureCells);
            cells.Bind(1, (long)teamId);
            cells.Bind(2, (long)(int)g);
            cells.Bind(3, from.Value);
            cells.Bind(4, to.Value);
            while (cells.Step())
            {
                int dims = cells.ColumnInt(0);
                if (onlySets is null || onlySets.Contains(dims))
                    visit(dims, _codes.Intern(cells.ColumnBlob(1)), cells.ColumnInt64(2));
            }
        }

        private readonly InternedCodes _codes = new();
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
