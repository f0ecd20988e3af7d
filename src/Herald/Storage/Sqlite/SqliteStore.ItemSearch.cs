using System.Text;
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
            using var cursor = Cursor(teamId, filter);
            while (cursor.Next()) yield return Record(cursor);
        }

        private ItemRecord Record(IStoredItemCursor cursor)
        {
            var i = cursor.Current;
            return new ItemRecord(i.Id, i.TeamId, Encoding.UTF8.GetString(i.ItemId), i.Kind, i.Status, i.StatusAtMs, i.EarliestAtMs, i.FirstSentAtMs,
                i.FirstSuccessAtMs, i.DimensionSetId, i.HasRecipient ? Encoding.UTF8.GetString(i.Recipient) : null, i.Cost, i.EventCount,
                i.HasErrorCode ? _codes.Intern(i.ErrorCode) : null);
        }

        public IStoredItemCursor Cursor(int teamId, StoredItemFilter filter)
        {
            // SQLite's API straight, in this connection's read transaction: an export reads millions of rows, and ADO.NET's
            // reader costs more per row than the read.
            var select = new RawStatement(Connection, SqliteSql.SelectItemsForSearch(filter.DimensionSets is not null,
                filter.Statuses is not null, filter.ErrorCodes is not null, filter.Recipients is not null, filter.NotBefore is not null));
            try
            {
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
                return new StoredItemCursor(select);
            }
            catch
            {
                select.Dispose();
                throw;
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

        /// <summary>
        /// The rows of <see cref="SqliteSql.SelectItemsForSearch"/> (columns as <see cref="SqliteSql.ItemColumns"/>), which come
        /// by earliest event, newest first: the rows of one earliest event are copied out (with their text) as they are read,
        /// then put in ref order, newest first, here. Most earliest events have one item; a sort in the SQL would copy every row
        /// into SQLite's sorter and out again.
        /// </summary>
        private sealed class StoredItemCursor(RawStatement select) : IStoredItemCursor
        {
            private Row[] _rows = new Row[8];
            private byte[] _text = new byte[1024];
            private int _count, _index, _textLength;
            private bool _started, _onRow;

            private struct Row
            {
                public long Id, StatusAtMs, EarliestAtMs, FirstSentAtMs, FirstSuccessAtMs;
                public double Cost;
                public int TeamId, Kind, Status, DimensionSetId, EventCount;
                public bool HasFirstSent, HasFirstSuccess;
                public TextAt ItemId, Recipient, ErrorCode;
            }

            /// <summary>Where a column's text sits in <see cref="_text"/>; a negative length is NULL.</summary>
            private readonly record struct TextAt(int Start, int Length);

            public bool Next()
            {
                if (++_index < _count) return true;
                if (!_started)
                {
                    _started = true;
                    _onRow = select.Step();
                }
                if (!_onRow) return false;
                _count = _index = _textLength = 0;
                long earliest = select.ColumnInt64(6);
                do
                {
                    Copy();
                    _onRow = select.Step();
                } while (_onRow && select.ColumnInt64(6) == earliest);
                for (int i = 1; i < _count; i++) // insertion sort by ref, descending: ties are few and short
                    for (int j = i; j > 0 && _rows[j - 1].Id < _rows[j].Id; j--) (_rows[j - 1], _rows[j]) = (_rows[j], _rows[j - 1]);
                return true;
            }

            private void Copy()
            {
                if (_count == _rows.Length) Array.Resize(ref _rows, _count * 2);
                ref var row = ref _rows[_count++];
                row.Id = select.ColumnInt64(0);
                row.TeamId = select.ColumnInt(1);
                row.ItemId = Keep(2);
                row.Kind = select.ColumnInt(3);
                row.Status = select.ColumnInt(4);
                row.StatusAtMs = select.ColumnInt64(5);
                row.EarliestAtMs = select.ColumnInt64(6);
                row.HasFirstSent = !select.ColumnIsNull(7);
                row.FirstSentAtMs = select.ColumnInt64(7);
                row.HasFirstSuccess = !select.ColumnIsNull(8);
                row.FirstSuccessAtMs = select.ColumnInt64(8);
                row.DimensionSetId = select.ColumnInt(9);
                row.Recipient = Keep(10);
                row.Cost = select.ColumnDouble(11);
                row.EventCount = select.ColumnInt(12);
                row.ErrorCode = Keep(13);
            }

            private TextAt Keep(int column)
            {
                if (select.ColumnIsNull(column)) return new TextAt(0, -1);
                int length = select.CopyColumn(column, ref _text, _textLength);
                var kept = new TextAt(_textLength, length);
                _textLength += length;
                return kept;
            }

            private ReadOnlySpan<byte> Bytes(TextAt t) => t.Length < 0 ? default : _text.AsSpan(t.Start, t.Length);

            public ItemPosition Position => new(_rows[_index].EarliestAtMs, _rows[_index].Id);

            public ItemFields Current
            {
                get
                {
                    ref readonly var row = ref _rows[_index];
                    return new()
                    {
                        Id = row.Id, TeamId = row.TeamId, ItemId = Bytes(row.ItemId), Kind = row.Kind, Status = row.Status, StatusAtMs = row.StatusAtMs,
                        EarliestAtMs = row.EarliestAtMs, FirstSentAtMs = row.HasFirstSent ? row.FirstSentAtMs : null,
                        FirstSuccessAtMs = row.HasFirstSuccess ? row.FirstSuccessAtMs : null, DimensionSetId = row.DimensionSetId,
                        HasRecipient = row.Recipient.Length >= 0, Recipient = Bytes(row.Recipient), Cost = row.Cost, EventCount = row.EventCount,
                        HasErrorCode = row.ErrorCode.Length >= 0, ErrorCode = Bytes(row.ErrorCode),
                    };
                }
            }

            public void Dispose() => select.Dispose();
        }
    }
}
