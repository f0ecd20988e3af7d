using Herald.Domain;
using Microsoft.Data.Sqlite;
using Herald.Engine;

namespace Herald.Storage.Sqlite;

/// <summary>One write transaction on the writer's connection, with its statements prepared once.</summary>
internal sealed class SqliteWriteSession : IWriteSession
{
    private readonly SqliteStore _store;
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;
    private readonly Statements _s;
    private readonly long _started = System.Diagnostics.Stopwatch.GetTimestamp();

    public SqliteWriteSession(SqliteStore store, SqliteConnection connection)
    {
        _store = store;
        _connection = connection;
        _transaction = connection.BeginTransaction(deferred: false);
        _s = Statements.For(connection);
        _s.Bind(_transaction);
    }

    public long AllocateItemId() => _store.AllocateItemId();

    public ItemState? LoadItem(int teamId, string itemId)
    {
        var cmd = _s.SelectItem;
        cmd.Parameters[0].Value = teamId;
        cmd.Parameters[1].Value = itemId;
        using var r = cmd.ExecuteReader();
        return r.Read() ? ReadItem(r, teamId, itemId) : null;
    }

    public bool IsPurgedItem(int teamId, string itemId)
    {
        using var cmd = SqliteStore.Command(_connection, SqliteSql.IsPurgedItem, ("$team", teamId), ("$item", itemId));
        cmd.Transaction = _transaction;
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) != 0;
    }

    public ItemState? LoadItem(long id)
    {
        var cmd = _s.SelectItemByRef;
        cmd.Parameters[0].Value = id;
        using var r = cmd.ExecuteReader();
        return r.Read() ? ReadItem(r, r.GetInt32(14), r.GetString(15)) : null;
    }

    private static ItemState ReadItem(SqliteDataReader r, int teamId, string itemId)
    {
        var item = new ItemState
        {
            Id = r.GetInt64(0),
            TeamId = teamId,
            ItemId = itemId,
            Kind = (ItemKind)r.GetInt32(1),
            Status = (Status)r.GetInt32(2),
            StatusAtMs = r.GetInt64(3),
            EarliestAtMs = r.GetInt64(4),
            FirstSentAtMs = r.IsDBNull(5) ? ItemState.None : r.GetInt64(5),
            FirstSuccessAtMs = r.IsDBNull(6) ? ItemState.None : r.GetInt64(6),
            DimensionSetId = r.GetInt32(7),
            Recipient = SqliteStore.Text(r, 8),
            Cost = r.GetDouble(9),
            EventCount = r.GetInt32(10),
            LastEventReceivedAtMs = r.GetInt64(12),
            ErrorCode = SqliteStore.Text(r, 13),
            IsPersisted = true,
        };
        item.Minutes.Load((byte[])r.GetValue(11));
        return item;
    }

    public bool AppendEvent(int teamId, long itemRef, string dedupeKey, int eventDimensionSetId, long receivedAtMs, IncomingEvent e, string? newItemId)
    {
        var insert = _s.InsertEvent;
        insert.Bind(1, teamId);
        insert.Bind(2, itemRef);
        insert.Bind(3, dedupeKey);
        insert.Bind(4, (int)e.Status);
        insert.Bind(5, e.OccurredAtMs);
        insert.Bind(6, receivedAtMs);
        insert.Bind(7, eventDimensionSetId);
        insert.Bind(8, e.Recipient);
        insert.Bind(9, e.ErrorCode);
        insert.Bind(10, e.ErrorMessage);
        insert.Bind(11, e.Cost);
        insert.Bind(12, (long?)e.Attempt);
        if (_store.SealedBody(e.Text) is byte[] sealedBody) insert.Bind(13, sealedBody);
        else insert.Bind(13, e.Text);
        insert.Bind(14, e.MetadataJson);
        insert.Bind(15, newItemId);
        return insert.Execute() == 1;
    }

    public void RecordConsent(int teamId, string recipient, long occurredAtMs, int state, string keyword)
    {
        var insert = _s.InsertConsent;
        insert.Bind(1, teamId);
        insert.Bind(2, recipient);
        insert.Bind(3, occurredAtMs);
        insert.Bind(4, state);
        insert.Bind(5, keyword);
        insert.Execute();
    }

    public void SetCheckpoint(long eventId) =>
        SqliteStore.Execute(_connection, _transaction, SqliteSql.SetCheckpoint, ("$id", eventId));

    public long MaxEventId()
    {
        using var cmd = _connection.CreateCommand();
        cmd.Transaction = _transaction;
        cmd.CommandText = SqliteSql.MaxEventId;
        return Convert.ToInt64(cmd.ExecuteScalar());
    }

    public void SaveItem(ItemState item)
    {
        var cmd = !item.IsPersisted ? _s.InsertItem : item.IndexedColumnsChanged ? _s.UpdateItem : _s.UpdateItemState;
        cmd.Bind(1, item.Id);
        cmd.Bind(2, item.TeamId);
        cmd.Bind(3, item.ItemId);
        cmd.Bind(4, (int)item.Kind);
        cmd.Bind(5, (int)item.Status);
        cmd.Bind(6, item.StatusAtMs);
        cmd.Bind(7, item.EarliestAtMs);
        cmd.Bind(8, item.FirstSentAtMs == ItemState.None ? null : item.FirstSentAtMs);
        cmd.Bind(9, item.FirstSuccessAtMs == ItemState.None ? null : item.FirstSuccessAtMs);
        cmd.Bind(10, item.DimensionSetId);
        cmd.Bind(11, item.Recipient);
        cmd.Bind(12, item.Cost);
        cmd.Bind(13, item.EventCount);
        cmd.Bind(14, item.Minutes.Encode());
        cmd.Bind(15, item.LastEventReceivedAtMs);
        cmd.Bind(16, item.ErrorCode);
        cmd.Execute();
    }

    public void MergeCell(CellKey key, byte[] delta)
    {
        var cmd = _s.MergeCell;
        cmd.Bind(1, key.TeamId);
        cmd.Bind(2, (int)key.Granularity);
        cmd.Bind(3, key.Bucket.Value);
        cmd.Bind(4, key.DimensionSetId);
        cmd.Bind(5, delta);
        cmd.Execute();
    }

    public void MergeFailureCell(FailureCellKey key, long failures)
    {
        var cmd = _s.MergeFailureCell;
        cmd.Bind(1, key.TeamId);
        cmd.Bind(2, (int)key.Granularity);
        cmd.Bind(3, key.Bucket.Value);
        cmd.Bind(4, key.DimensionSetId);
        cmd.Bind(5, key.ErrorCode);
        cmd.Bind(6, failures);
        cmd.Execute();
    }

    public void LoadFailureCandidatesOfItem(long itemRef, long upToEventId, List<FailureCandidate> into)
    {
        into.Clear();
        var cmd = _s.SelectFailureCandidatesOfItem;
        cmd.Parameters[0].Value = itemRef;
        cmd.Parameters[1].Value = upToEventId;
        using var r = cmd.ExecuteReader();
        while (r.Read()) into.Add(new FailureCandidate(r.GetInt64(0), (Status)r.GetInt32(1), SqliteStore.Text(r, 2)));
    }

    public int InsertDimensionSet(DimensionTuple t)
    {
        using var cmd = _connection.CreateCommand();
        cmd.Transaction = _transaction;
        cmd.CommandText = SqliteSql.InsertDimensionSet;
        cmd.Parameters.AddWithValue("$team", t.TeamId);
        cmd.Parameters.AddWithValue("$kind", (int)t.Kind);
        cmd.Parameters.AddWithValue("$account", (object?)t.Account ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$channel", (object?)t.Channel ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$provider", (object?)t.Provider ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$route", (object?)t.Route ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$campaign", (object?)t.Campaign ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$country", (object?)t.Country ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$direction", (object?)t.Direction ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$agent", (object?)t.Agent ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$template", (object?)t.Template ?? DBNull.Value);
        return Convert.ToInt32(cmd.ExecuteScalar());
    }

    public void EnsureAccount(int teamId, string account) =>
        SqliteStore.Execute(_connection, _transaction, SqliteSql.EnsureAccount,
            ("$team", teamId), ("$name", account), ("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));

    public void Commit()
    {
        _transaction.Commit();
        if (_store.Timings is { } timings)
        {
            timings.Record(StoreTimings.WriteBatch, System.Diagnostics.Stopwatch.GetElapsedTime(_started));
            TimedConnection.RecordCache(_connection.Handle, timings);
        }
    }

    internal static void ReleaseStatements(SqliteConnection connection) => Statements.Release(connection);

    public void Dispose()
    {
        _s.Bind(null);
        _transaction.Dispose();
    }

    /// <summary>The writer's hot statements, prepared once per connection and reused by every batch.</summary>
    private sealed class Statements : IDisposable
    {
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SqliteConnection, Statements> Cache = new();

        public required SqliteCommand SelectItem, SelectItemByRef, SelectFailureCandidatesOfItem;
        public required RawStatement InsertEvent, InsertItem, UpdateItem, UpdateItemState, MergeCell, MergeFailureCell, InsertConsent;

        public static Statements For(SqliteConnection c) => Cache.GetValue(c, Create);

        /// <summary>Finalizes the raw statement before its connection closes.</summary>
        public static void Release(SqliteConnection c)
        {
            if (Cache.TryGetValue(c, out var s))
            {
                s.Dispose();
                Cache.Remove(c);
            }
        }

        public void Dispose()
        {
            InsertEvent.Dispose();
            InsertItem.Dispose();
            UpdateItem.Dispose();
            UpdateItemState.Dispose();
            MergeCell.Dispose();
            MergeFailureCell.Dispose();
            InsertConsent.Dispose();
        }

        private static Statements Create(SqliteConnection c)
        {
            c.CreateFunction<byte[], byte[], byte[]>(SqliteSql.MergeCellFunction, CellStats.Merge, isDeterministic: true);
            return Prepare(c);
        }

        private static Statements Prepare(SqliteConnection c) => new()
        {
            SelectItem = Command(c, SqliteSql.SelectItem, "$team", "$item"),
            SelectItemByRef = Command(c, SqliteSql.SelectItemByRef, "$id"),
            SelectFailureCandidatesOfItem = Command(c, SqliteSql.SelectFailureCandidatesOfItem, "$item", "$upTo"),
            InsertEvent = new RawStatement(c, SqliteSql.InsertEvent),
            InsertItem = new RawStatement(c, SqliteSql.InsertItem),
            UpdateItem = new RawStatement(c, SqliteSql.UpdateItem),
            UpdateItemState = new RawStatement(c, SqliteSql.UpdateItemState),
            MergeCell = new RawStatement(c, SqliteSql.MergeCell),
            MergeFailureCell = new RawStatement(c, SqliteSql.MergeFailureCell),
            InsertConsent = new RawStatement(c, SqliteSql.InsertConsentChange),
        };

        public void Bind(SqliteTransaction? tx)
        {
            foreach (var cmd in new[] { SelectItem, SelectItemByRef, SelectFailureCandidatesOfItem })
                cmd.Transaction = tx;
        }

        private static SqliteCommand Command(SqliteConnection c, string sql, params string[] parameters)
        {
            var cmd = c.CreateCommand();
            cmd.CommandText = sql;
            foreach (var name in parameters) cmd.Parameters.Add(new SqliteParameter(name, null));
            return cmd;
        }
    }
}
