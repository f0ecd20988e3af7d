using Herald.Analytics;
using Herald.Domain;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

/// <summary>One write transaction on the writer's connection, with its statements prepared once.</summary>
internal sealed class SqliteWriteSession : IWriteSession
{
    private readonly SqliteStore _store;
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;
    private readonly Statements _s;

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

    public ItemState? LoadItem(long id)
    {
        var cmd = _s.SelectItemByRef;
        cmd.Parameters[0].Value = id;
        using var r = cmd.ExecuteReader();
        return r.Read() ? ReadItem(r, r.GetInt32(13), r.GetString(14)) : null;
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
            IsPersisted = true,
        };
        item.Minutes.Load((byte[])r.GetValue(11));
        return item;
    }

    public bool AppendEvent(int teamId, long itemRef, string dedupeKey, int eventDimensionSetId, long receivedAtMs, IncomingEvent e, string? newItemId)
    {
        var p = _s.InsertEvent.Parameters;
        p[0].Value = teamId;
        p[1].Value = itemRef;
        p[2].Value = dedupeKey;
        p[3].Value = (int)e.Status;
        p[4].Value = e.OccurredAtMs;
        p[5].Value = receivedAtMs;
        p[6].Value = eventDimensionSetId;
        p[7].Value = (object?)e.Recipient ?? DBNull.Value;
        p[8].Value = (object?)e.ErrorCode ?? DBNull.Value;
        p[9].Value = (object?)e.ErrorMessage ?? DBNull.Value;
        p[10].Value = e.Cost is { } cost ? cost : DBNull.Value;
        p[11].Value = e.Attempt is { } attempt ? attempt : DBNull.Value;
        p[12].Value = (object?)e.Text ?? DBNull.Value;
        p[13].Value = (object?)e.MetadataJson ?? DBNull.Value;
        p[14].Value = (object?)newItemId ?? DBNull.Value;
        return _s.InsertEvent.ExecuteNonQuery() == 1;
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
        // Insert and update take the same parameters in the same order (ItemParameters), bound by position.
        var cmd = item.IsPersisted ? _s.UpdateItem : _s.InsertItem;
        var p = cmd.Parameters;
        p[0].Value = item.Id;
        p[1].Value = item.TeamId;
        p[2].Value = item.ItemId;
        p[3].Value = (int)item.Kind;
        p[4].Value = (int)item.Status;
        p[5].Value = item.StatusAtMs;
        p[6].Value = item.EarliestAtMs;
        p[7].Value = item.FirstSentAtMs == ItemState.None ? DBNull.Value : item.FirstSentAtMs;
        p[8].Value = item.FirstSuccessAtMs == ItemState.None ? DBNull.Value : item.FirstSuccessAtMs;
        p[9].Value = item.DimensionSetId;
        p[10].Value = (object?)item.Recipient ?? DBNull.Value;
        p[11].Value = item.Cost;
        p[12].Value = item.EventCount;
        p[13].Value = item.Minutes.Encode();
        p[14].Value = item.LastEventReceivedAtMs;
        cmd.ExecuteNonQuery();
    }

    public void MergeCell(CellKey key, byte[] delta)
    {
        BindCell(_s.MergeCell, key);
        _s.MergeCell.Parameters[4].Value = delta;
        _s.MergeCell.ExecuteNonQuery();
    }

    private static void BindCell(SqliteCommand cmd, CellKey key)
    {
        cmd.Parameters[0].Value = key.TeamId;
        cmd.Parameters[1].Value = (int)key.Granularity;
        cmd.Parameters[2].Value = key.Bucket.Value;
        cmd.Parameters[3].Value = key.DimensionSetId;
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
        return Convert.ToInt32(cmd.ExecuteScalar());
    }

    public void EnsureAccount(int teamId, string account) =>
        SqliteStore.Execute(_connection, _transaction, SqliteSql.EnsureAccount,
            ("$team", teamId), ("$name", account), ("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));

    public void Commit() => _transaction.Commit();

    public void Dispose()
    {
        _s.Bind(null);
        _transaction.Dispose();
    }

    /// <summary>The writer's hot statements, prepared once per connection and reused by every batch.</summary>
    private sealed class Statements
    {
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SqliteConnection, Statements> Cache = new();

        public required SqliteCommand SelectItem, SelectItemByRef, InsertEvent, InsertItem, UpdateItem, MergeCell;

        private static readonly string[] ItemParameters =
        [
            "$id", "$team", "$item", "$kind", "$status", "$status_at", "$earliest", "$first_sent", "$first_success", "$dims",
            "$recipient", "$cost", "$event_count", "$minutes", "$received",
        ];

        public static Statements For(SqliteConnection c) => Cache.GetValue(c, Create);

        private static Statements Create(SqliteConnection c)
        {
            c.CreateFunction<byte[], byte[], byte[]>(SqliteSql.MergeCellFunction, CellStats.Merge, isDeterministic: true);
            return Prepare(c);
        }

        private static Statements Prepare(SqliteConnection c) => new()
        {
            SelectItem = Command(c, SqliteSql.SelectItem, "$team", "$item"),
            SelectItemByRef = Command(c, SqliteSql.SelectItemByRef, "$id"),
            InsertEvent = Command(c, SqliteSql.InsertEvent, "$team", "$item", "$key", "$status", "$occurred", "$received", "$dims",
                "$recipient", "$error_code", "$error_message", "$cost", "$attempt", "$text", "$metadata", "$new_item"),
            InsertItem = Command(c, SqliteSql.InsertItem, ItemParameters),
            UpdateItem = Command(c, SqliteSql.UpdateItem, ItemParameters),
            MergeCell = Command(c, SqliteSql.MergeCell, "$team", "$g", "$bucket", "$dims", "$data"),
        };

        public void Bind(SqliteTransaction? tx)
        {
            foreach (var cmd in new[] { SelectItem, SelectItemByRef, InsertEvent, InsertItem, UpdateItem, MergeCell })
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
