using Herald.Domain;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

public sealed partial class SqliteStore
{
    public void ReadCells(int teamId, Granularity g, UtcMinute from, UtcMinute to, CellVisitor visit, IReadOnlyCollection<int>? onlySets = null)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = onlySets is null ? SqliteSql.SelectCells : SqliteSql.SelectCellsOfSets;
        if (onlySets is not null) cmd.Parameters.AddWithValue("$sets", "[" + string.Join(',', onlySets) + "]");
        cmd.Parameters.AddWithValue("$team", teamId);
        cmd.Parameters.AddWithValue("$g", (int)g);
        cmd.Parameters.AddWithValue("$from", from.Value);
        cmd.Parameters.AddWithValue("$to", to.Value);
        using var r = cmd.ExecuteReader();
        // GetBytes would stream the blob through incremental I/O (slow, and pointless for a WITHOUT ROWID
        // table of ~30-byte cells); reading the value whole is one copy.
        while (r.Read()) visit(new UtcMinute(r.GetInt64(0)), r.GetInt32(1), r.GetFieldValue<byte[]>(2));
    }

    public IReadOnlyList<ItemRecord> FindItems(IReadOnlyList<int> teamIds, string itemId)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = SqliteSql.SelectItemById;
        var team = cmd.Parameters.Add(new SqliteParameter("$team", 0));
        cmd.Parameters.AddWithValue("$item", itemId);
        var found = new List<ItemRecord>();
        foreach (var id in teamIds)
        {
            team.Value = id;
            using var r = cmd.ExecuteReader();
            while (r.Read()) found.Add(ReadItem(r));
        }
        return found;
    }

    public IReadOnlyList<EventRecord> EventsOf(long itemRef)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = SqliteSql.SelectEventsOfItem;
        cmd.Parameters.AddWithValue("$item", itemRef);
        using var r = cmd.ExecuteReader();
        var events = new List<EventRecord>();
        while (r.Read())
        {
            string key = r.GetString(1);
            events.Add(new EventRecord(
                r.GetInt64(0), key.StartsWith(EventKeys.SyntheticPrefix, StringComparison.Ordinal) ? null : key, r.GetInt32(2), r.GetInt64(3), r.GetInt64(4),
                r.GetInt32(5), Text(r, 6), Text(r, 7), Text(r, 8), Double(r, 9), Int(r, 10), Opened(r, 11), Text(r, 12)));
        }
        return events;
    }

    public IReadOnlyList<ItemRecord> RecipientHistory(int teamId, string recipient, int limit)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = SqliteSql.SelectRecipientHistory;
        cmd.Parameters.AddWithValue("$team", teamId);
        cmd.Parameters.AddWithValue("$recipient", recipient);
        cmd.Parameters.AddWithValue("$limit", limit);
        using var r = cmd.ExecuteReader();
        var items = new List<ItemRecord>();
        while (r.Read()) items.Add(ReadItem(r));
        return items;
    }

    /// <summary>The team's stored items whose earliest event is at or after <paramref name="sinceMs"/>, by the index by earliest event.</summary>
    public IReadOnlyList<ItemRecord> RecentItems(int teamId, long sinceMs)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectItemsSince, ("$team", teamId), ("$since", sinceMs));
        using var r = cmd.ExecuteReader();
        var items = new List<ItemRecord>();
        while (r.Read()) items.Add(ReadItem(r));
        return items;
    }

    private static ItemRecord ReadItem(SqliteDataReader r) => new(
        r.GetInt64(0), r.GetInt32(1), r.GetString(2), r.GetInt32(3), r.GetInt32(4), r.GetInt64(5), r.GetInt64(6),
        Long(r, 7), Long(r, 8), r.GetInt32(9), Text(r, 10), r.GetDouble(11), r.GetInt32(12), Text(r, 13));

    /// <summary>A deferred read transaction whose WAL snapshot is pinned by a first read at creation.</summary>
    private abstract class PinnedSnapshot : IDisposable
    {
        protected SqliteConnection Connection { get; }
        protected SqliteTransaction Transaction { get; }

        /// <param name="connection">A new connection this snapshot owns.</param>
        /// <param name="at">Another connection's snapshot to read at instead of the latest (see <c>sqlite3_snapshot_open</c>).</param>
        protected PinnedSnapshot(SqliteConnection connection, SQLitePCL.sqlite3_snapshot? at = null)
        {
            Connection = connection;
            Transaction = connection.BeginTransaction(deferred: true);
            if (at is not null)
            {
                int rc = SQLitePCL.raw.sqlite3_snapshot_open(connection.Handle, "main", at);
                if (rc != SQLitePCL.raw.SQLITE_OK)
                {
                    Transaction.Dispose();
                    throw new SqliteException(SQLitePCL.raw.sqlite3_errmsg(connection.Handle).utf8_to_string(), rc);
                }
            }
            using var pin = connection.CreateCommand();
            pin.Transaction = Transaction;
            pin.CommandText = SqliteSql.PinReadSnapshot;
            pin.ExecuteScalar();
        }

        public void Dispose()
        {
            Transaction.Dispose(); // a read-only transaction: rolling back releases the snapshot
            Connection.Dispose();
        }
    }
}
