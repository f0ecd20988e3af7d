using Herald.Domain;
using Herald.Engine;
using Npgsql;
using NpgsqlTypes;

namespace Herald.Storage.Postgres;

/// <summary>
/// One write transaction on the writer's connection. Nothing goes to the server per event: a batch's duplicates are looked
/// up once (<see cref="PrepareAppends"/>), its events and consent rows are buffered and sent by one binary COPY at the
/// commit, and a flush's items, cells and failure cells go as a few array statements each.
/// </summary>
internal sealed class PostgresWriteSession : IWriteSession
{
    private const int EventIdBlock = 1024;

    private readonly PostgresStore _store;
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private readonly List<PendingEvent> _events = new();
    private readonly List<PendingConsent> _consent = new();
    private readonly HashSet<(int, string)> _appended = new();
    private HashSet<(int, string)>? _storedKeys;
    private readonly List<ItemState> _items = new();
    private readonly List<(CellKey Key, byte[] Delta)> _cells = new();
    private readonly List<(FailureCellKey Key, long Failures)> _failureCells = new();
    private long? _checkpoint;
    // Event ids taken from the sequence ahead of use, so the consent rows can name their event before the COPY.
    private readonly Queue<long> _eventIds = new();

    public PostgresWriteSession(PostgresStore store, NpgsqlConnection connection)
    {
        _store = store;
        _connection = connection;
        _transaction = connection.BeginTransaction();
    }

    public long AllocateItemId() => _store.AllocateItemId();

    public void PrepareAppends(IReadOnlyList<IngestBatch> batches)
    {
        var teams = new List<int>();
        var keys = new List<string>();
        foreach (var batch in batches)
        {
            foreach (var e in batch.Events)
            {
                if (e.EventId is null) continue;
                teams.Add(batch.TeamId);
                keys.Add(e.EventId);
            }
        }
        _storedKeys = new HashSet<(int, string)>();
        if (keys.Count == 0) return;
        using var cmd = PostgresStore.Command(_connection, PostgresSql.SelectStoredKeys, teams.ToArray(), keys.ToArray());
        using var r = cmd.ExecuteReader();
        while (r.Read()) _storedKeys.Add((r.GetInt32(0), r.GetString(1)));
    }

    public ItemState? LoadItem(int teamId, string itemId)
    {
        using var cmd = PostgresStore.Command(_connection, PostgresSql.SelectItem, teamId, itemId);
        using var r = cmd.ExecuteReader();
        return r.Read() ? ReadItem(r) : null;
    }

    public ItemState? LoadItem(long id)
    {
        using var cmd = PostgresStore.Command(_connection, PostgresSql.SelectItemByRef, id);
        using var r = cmd.ExecuteReader();
        return r.Read() ? ReadItem(r) : null;
    }

    private static ItemState ReadItem(NpgsqlDataReader r)
    {
        var item = new ItemState
        {
            Id = r.GetInt64(0),
            Kind = (ItemKind)r.GetInt32(1),
            Status = (Status)r.GetInt32(2),
            StatusAtMs = r.GetInt64(3),
            EarliestAtMs = r.GetInt64(4),
            FirstSentAtMs = r.IsDBNull(5) ? ItemState.None : r.GetInt64(5),
            FirstSuccessAtMs = r.IsDBNull(6) ? ItemState.None : r.GetInt64(6),
            DimensionSetId = r.GetInt32(7),
            Recipient = PostgresStore.Text(r, 8),
            Cost = r.GetDouble(9),
            EventCount = r.GetInt32(10),
            LastEventReceivedAtMs = r.GetInt64(12),
            ErrorCode = PostgresStore.Text(r, 13),
            TeamId = r.GetInt32(14),
            ItemId = r.GetString(15),
            IsPersisted = true,
        };
        item.Minutes.Load(r.GetFieldValue<byte[]>(11));
        return item;
    }

    public bool AppendEvent(int teamId, long itemRef, string dedupeKey, int eventDimensionSetId, long receivedAtMs, IncomingEvent e, string? newItemId)
    {
        var key = (teamId, dedupeKey);
        if (_appended.Contains(key)) return false;
        // An event of a new item has a key no stored event can have (its item ref is new); an explicit id was looked up with its batch.
        bool stored = dedupeKey.StartsWith(EventKeys.SyntheticPrefix, StringComparison.Ordinal)
            ? newItemId is null && StoredKey(teamId, dedupeKey)
            : _storedKeys?.Contains(key) ?? StoredKey(teamId, dedupeKey);
        if (stored) return false;
        _appended.Add(key);
        _events.Add(new PendingEvent(NextEventId(), teamId, itemRef, dedupeKey, eventDimensionSetId, receivedAtMs, e, newItemId));
        return true;
    }

    private bool StoredKey(int teamId, string dedupeKey) => PostgresStore.Scalar<bool>(_connection, PostgresSql.SelectStoredKey, teamId, dedupeKey);

    private long NextEventId()
    {
        if (_eventIds.Count == 0)
        {
            using var cmd = PostgresStore.Command(_connection, PostgresSql.NextEventIds, EventIdBlock);
            using var r = cmd.ExecuteReader();
            while (r.Read()) _eventIds.Enqueue(r.GetInt64(0));
        }
        return _eventIds.Dequeue();
    }

    public void RecordConsent(int teamId, string recipient, long occurredAtMs, int state, string keyword) =>
        _consent.Add(new PendingConsent(teamId, recipient, occurredAtMs, state, _events[^1].Id, keyword));

    public void SetCheckpoint(long eventId) => _checkpoint = eventId;

    public long MaxEventId()
    {
        WriteEvents();
        return PostgresStore.Scalar<long>(_connection, PostgresSql.MaxEventId);
    }

    public void SaveItem(ItemState item) => _items.Add(item);

    public void MergeCell(CellKey key, byte[] delta) => _cells.Add((key, delta));

    public void MergeFailureCell(FailureCellKey key, long failures) => _failureCells.Add((key, failures));

    public void LoadFailureCandidatesOfItem(long itemRef, long upToEventId, List<FailureCandidate> into)
    {
        into.Clear();
        WriteEvents();
        using var cmd = PostgresStore.Command(_connection, PostgresSql.SelectFailureCandidatesOfItem, itemRef, upToEventId);
        using var r = cmd.ExecuteReader();
        while (r.Read()) into.Add(new FailureCandidate(r.GetInt64(0), (Status)r.GetInt32(1), PostgresStore.Text(r, 2)));
    }

    public int InsertDimensionSet(DimensionTuple tuple) =>
        PostgresStore.Scalar<int>(_connection, PostgresSql.InsertDimensionSet, tuple.TeamId, (int)tuple.Kind, tuple.Account, tuple.Channel,
            tuple.Provider, tuple.Route, tuple.Campaign, tuple.Country, tuple.Direction, tuple.Agent, tuple.Template);

    public void EnsureAccount(int teamId, string account) =>
        PostgresStore.Execute(_connection, PostgresSql.EnsureAccount, teamId, account, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    public void Commit()
    {
        WriteEvents();
        WriteItems();
        WriteCells();
        WriteFailureCells();
        if (_checkpoint is { } checkpoint) PostgresStore.Execute(_connection, PostgresSql.SetCheckpoint, checkpoint);
        _transaction.Commit();
    }

    /// <summary>The buffered events by binary COPY, then their consent rows.</summary>
    private void WriteEvents()
    {
        if (_events.Count > 0)
        {
            using var copy = _connection.BeginBinaryImport(PostgresSql.CopyEvents);
            foreach (var p in _events)
            {
                var e = p.Event;
                copy.StartRow();
                copy.Write(p.Id, NpgsqlDbType.Bigint);
                copy.Write(p.TeamId, NpgsqlDbType.Integer);
                copy.Write(p.ItemRef, NpgsqlDbType.Bigint);
                copy.Write(p.DedupeKey, NpgsqlDbType.Text);
                copy.Write((int)e.Status, NpgsqlDbType.Integer);
                copy.Write(e.OccurredAtMs, NpgsqlDbType.Bigint);
                copy.Write(p.ReceivedAtMs, NpgsqlDbType.Bigint);
                copy.Write(p.DimensionSetId, NpgsqlDbType.Integer);
                WriteText(copy, e.Recipient);
                WriteText(copy, e.ErrorCode);
                WriteText(copy, e.ErrorMessage);
                if (e.Cost is { } cost) copy.Write(cost, NpgsqlDbType.Double); else copy.WriteNull();
                if (e.Attempt is { } attempt) copy.Write(attempt, NpgsqlDbType.Integer); else copy.WriteNull();
                // A message body is personal (inbound ones above all): sealed, after the writer classified its consent keyword.
                if (_store.Fields.Seal(e.Text) is { } sealedText) copy.Write(sealedText, NpgsqlDbType.Bytea); else copy.WriteNull();
                WriteText(copy, e.MetadataJson);
                WriteText(copy, p.NewItemId);
            }
            copy.Complete();
            _events.Clear();
        }
        if (_consent.Count > 0)
        {
            PostgresStore.Execute(_connection, PostgresSql.InsertConsentChanges,
                _consent.Select(c => c.TeamId).ToArray(), _consent.Select(c => c.Recipient).ToArray(), _consent.Select(c => c.OccurredAtMs).ToArray(),
                _consent.Select(c => c.State).ToArray(), _consent.Select(c => c.EventRef).ToArray(), _consent.Select(c => c.Keyword).ToArray());
            _consent.Clear();
        }
    }

    // PostgreSQL text cannot hold U+0000, and one in a COPY would refuse the whole batch: it is stored as U+FFFD instead.
    private static void WriteText(NpgsqlBinaryImporter copy, string? value)
    {
        if (value is null) copy.WriteNull();
        else copy.Write(value.Contains('\0', StringComparison.Ordinal) ? value.Replace('\0', '\uFFFD') : value, NpgsqlDbType.Text);
    }

    private void WriteItems()
    {
        if (_items.Count == 0) return;
        var items = _items;
        PostgresStore.Execute(_connection, PostgresSql.UpsertItems,
            items.Select(i => i.Id).ToArray(), items.Select(i => i.TeamId).ToArray(), items.Select(i => i.ItemId).ToArray(),
            items.Select(i => (int)i.Kind).ToArray(), items.Select(i => (int)i.Status).ToArray(), items.Select(i => i.StatusAtMs).ToArray(),
            items.Select(i => i.EarliestAtMs).ToArray(),
            items.Select(i => i.FirstSentAtMs == ItemState.None ? (long?)null : i.FirstSentAtMs).ToArray(),
            items.Select(i => i.FirstSuccessAtMs == ItemState.None ? (long?)null : i.FirstSuccessAtMs).ToArray(),
            items.Select(i => i.DimensionSetId).ToArray(), items.Select(i => i.Recipient).ToArray(), items.Select(i => i.Cost).ToArray(),
            items.Select(i => i.EventCount).ToArray(), items.Select(i => i.Minutes.Encode()).ToArray(),
            items.Select(i => i.LastEventReceivedAtMs).ToArray(), items.Select(i => i.ErrorCode).ToArray());
        _items.Clear();
    }

    /// <summary>
    /// Cells with no row yet are inserted with their delta; the rest are locked in key order, merged here with the same
    /// <see cref="CellStats.Merge"/> SQLite runs, and written back: three statements however many cells.
    /// </summary>
    private void WriteCells()
    {
        if (_cells.Count == 0) return;
        var cells = _cells;
        var inserted = new HashSet<CellKey>();
        using (var insert = PostgresStore.Command(_connection, PostgresSql.InsertNewCells,
                   cells.Select(c => c.Key.TeamId).ToArray(), cells.Select(c => (int)c.Key.Granularity).ToArray(),
                   cells.Select(c => c.Key.Bucket.Value).ToArray(), cells.Select(c => c.Key.DimensionSetId).ToArray(),
                   cells.Select(c => c.Delta).ToArray()))
        using (var r = insert.ExecuteReader())
        {
            while (r.Read()) inserted.Add(ReadCellKey(r));
        }
        var rest = cells.Where(c => !inserted.Contains(c.Key)).ToList();
        if (rest.Count > 0)
        {
            var stored = new Dictionary<CellKey, byte[]>(rest.Count);
            using (var lockCells = PostgresStore.Command(_connection, PostgresSql.LockCells,
                       rest.Select(c => c.Key.TeamId).ToArray(), rest.Select(c => (int)c.Key.Granularity).ToArray(),
                       rest.Select(c => c.Key.Bucket.Value).ToArray(), rest.Select(c => c.Key.DimensionSetId).ToArray()))
            using (var r = lockCells.ExecuteReader())
            {
                while (r.Read()) stored[ReadCellKey(r)] = r.GetFieldValue<byte[]>(4);
            }
            PostgresStore.Execute(_connection, PostgresSql.UpdateCells,
                rest.Select(c => c.Key.TeamId).ToArray(), rest.Select(c => (int)c.Key.Granularity).ToArray(),
                rest.Select(c => c.Key.Bucket.Value).ToArray(), rest.Select(c => c.Key.DimensionSetId).ToArray(),
                rest.Select(c => CellStats.Merge(stored[c.Key], c.Delta)).ToArray());
        }
        _cells.Clear();
    }

    private static CellKey ReadCellKey(NpgsqlDataReader r) =>
        new(r.GetInt32(0), (Granularity)r.GetInt32(1), new UtcMinute(r.GetInt64(2)), r.GetInt32(3));

    private void WriteFailureCells()
    {
        if (_failureCells.Count == 0) return;
        var cells = _failureCells;
        PostgresStore.Execute(_connection, PostgresSql.MergeFailureCells,
            cells.Select(c => c.Key.TeamId).ToArray(), cells.Select(c => (int)c.Key.Granularity).ToArray(),
            cells.Select(c => c.Key.Bucket.Value).ToArray(), cells.Select(c => c.Key.DimensionSetId).ToArray(),
            cells.Select(c => c.Key.ErrorCode).ToArray(), cells.Select(c => c.Failures).ToArray());
        _failureCells.Clear();
    }

    public void Dispose() => _transaction.Dispose();

    private sealed record PendingEvent(long Id, int TeamId, long ItemRef, string DedupeKey, int DimensionSetId, long ReceivedAtMs, IncomingEvent Event, string? NewItemId);

    private sealed record PendingConsent(int TeamId, string Recipient, long OccurredAtMs, int State, long EventRef, string Keyword);
}
