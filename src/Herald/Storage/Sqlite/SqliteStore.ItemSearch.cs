using System.Text.Json;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Herald.Storage.Sqlite;

public sealed partial class SqliteStore : IItemSearchReader
{
    public IItemSnapshot OpenItemSnapshot() => new ItemSnapshot(Open());

    public IReadOnlyList<IItemSnapshot> OpenItemSnapshots(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var snapshots = new List<IItemSnapshot>(count) { new ItemSnapshot(Open()) };
        try
        {
            if (count == 1) return snapshots;
            // The first connection's read transaction keeps its WAL frames from being checkpointed away, so the others can
            // open the same snapshot while it lives.
            var first = (ItemSnapshot)snapshots[0];
            int rc = raw.sqlite3_snapshot_get(first.Handle, "main", out var at);
            if (rc != raw.SQLITE_OK) throw new SqliteException(raw.sqlite3_errmsg(first.Handle).utf8_to_string(), rc);
            using (at)
            {
                for (int i = 1; i < count; i++) snapshots.Add(new ItemSnapshot(Open(), at));
            }
            return snapshots;
        }
        catch
        {
            foreach (var s in snapshots) s.Dispose();
            throw;
        }
    }

    private sealed class ItemSnapshot(SqliteConnection connection, sqlite3_snapshot? at = null) : PinnedSnapshot(connection, at), IItemSnapshot
    {
        public sqlite3 Handle => Connection.Handle!;

        private readonly InternedCodes _codes = new();

        public IEnumerable<ItemRecord> Items(int teamId, StoredItemFilter filter)
        {
            // SQLite's API straight, in this connection's read transaction: an export reads millions of rows, and ADO.NET's
            // reader costs more per row than the read.
            using var select = new RawStatement(Connection, SqliteSql.SelectItemsForSearch(filter.DimensionSets is not null,
                filter.Statuses is not null, filter.ErrorCodes is not null, filter.Recipients is not null, filter.NotBefore is not null));
            var before = filter.Before ?? new ItemPosition(filter.ToMs, 0);
            select.Bind(1, (long)teamId);
            select.Bind(2, filter.FromMs);
            select.Bind(3, Math.Min(filter.ToMs, before.EarliestAtMs + 1));
            select.Bind(4, before.EarliestAtMs);
            select.Bind(5, before.Id);
            if (filter.DimensionSets is { } sets) select.Bind(6, JsonSerializer.Serialize(sets));
            if (filter.Statuses is { } statuses) select.Bind(7, JsonSerializer.Serialize(statuses));
            if (filter.ErrorCodes is { } codes) select.Bind(8, JsonSerializer.Serialize(codes));
            if (filter.Recipients is { } recipients) select.Bind(9, JsonSerializer.Serialize(recipients));
            if (filter.NotBefore is { } notBefore)
            {
                select.Bind(10, notBefore.EarliestAtMs);
                select.Bind(11, notBefore.Id);
            }
            while (select.Step())
            {
                yield return new ItemRecord(
                    select.ColumnInt64(0), select.ColumnInt(1), select.ColumnText(2)!, select.ColumnInt(3), select.ColumnInt(4),
                    select.ColumnInt64(5), select.ColumnInt64(6), NullableInt64(select, 7), NullableInt64(select, 8), select.ColumnInt(9),
                    select.ColumnText(10), select.ColumnDouble(11), select.ColumnInt(12),
                    select.ColumnIsNull(13) ? null : _codes.Intern(select.ColumnBlob(13)));
            }
        }

        public IReadOnlyList<ItemPosition> Boundaries(int teamId, StoredItemFilter filter, int every)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(every, 1);
            using var select = new RawStatement(Connection, SqliteSql.SelectItemPositionAtOffset);
            var boundaries = new List<ItemPosition>();
            var before = filter.Before ?? new ItemPosition(filter.ToMs, 0);
            while (true)
            {
                select.Bind(1, (long)teamId);
                select.Bind(2, filter.FromMs);
                select.Bind(3, Math.Min(filter.ToMs, before.EarliestAtMs + 1));
                select.Bind(4, before.EarliestAtMs);
                select.Bind(5, before.Id);
                select.Bind(6, (long)(every - 1));
                if (!select.Step()) return boundaries;
                before = new ItemPosition(select.ColumnInt64(0), select.ColumnInt64(1));
                boundaries.Add(before);
                while (select.Step()) { }
            }
        }

        public IEnumerable<(long Id, string Recipient, int DimensionSetId)> Recipients(int teamId, long fromMs, long toMs)
        {
            using var select = new RawStatement(Connection, SqliteSql.SelectItemRecipients);
            select.Bind(1, (long)teamId);
            select.Bind(2, fromMs);
            select.Bind(3, toMs);
            while (select.Step()) yield return (select.ColumnInt64(0), select.ColumnText(1)!, select.ColumnInt(2));
        }

        private static long? NullableInt64(RawStatement s, int index) => s.ColumnIsNull(index) ? null : s.ColumnInt64(index);
    }
}
