using Herald.Domain;
using Npgsql;

namespace Herald.Storage.Postgres;

public sealed partial class PostgresStore
{
    public void ReadCells(int teamId, Granularity g, UtcMinute from, UtcMinute to, CellVisitor visit, IReadOnlyCollection<int>? onlySets = null)
    {
        using var c = Open();
        using var cmd = onlySets is null
            ? Command(c, PostgresSql.SelectCells, teamId, (int)g, from.Value, to.Value)
            : Command(c, PostgresSql.SelectCellsOfSets, teamId, (int)g, from.Value, to.Value, onlySets.ToArray());
        using var r = cmd.ExecuteReader();
        while (r.Read()) visit(new UtcMinute(r.GetInt64(0)), r.GetInt32(1), r.GetFieldValue<byte[]>(2));
    }

    public IReadOnlyList<ItemRecord> FindItems(IReadOnlyList<int> teamIds, string itemId)
    {
        using var c = Open();
        using var cmd = Command(c, PostgresSql.SelectItemsById, teamIds.ToArray(), itemId);
        using var r = cmd.ExecuteReader();
        var found = new List<ItemRecord>();
        while (r.Read()) found.Add(ReadItem(r));
        // In the order the teams were asked for, as the caller lists them.
        return found.OrderBy(i => IndexOf(teamIds, i.TeamId)).ToList();
    }

    private static int IndexOf(IReadOnlyList<int> list, int value)
    {
        for (int i = 0; i < list.Count; i++)
            if (list[i] == value) return i;
        return list.Count;
    }

    public IReadOnlyList<EventRecord> EventsOf(long itemRef)
    {
        using var c = Open();
        using var cmd = Command(c, PostgresSql.SelectEventsOfItem, itemRef);
        using var r = cmd.ExecuteReader();
        var events = new List<EventRecord>();
        while (r.Read())
        {
            string key = r.GetString(1);
            events.Add(new EventRecord(
                r.GetInt64(0), key.StartsWith(EventKeys.SyntheticPrefix, StringComparison.Ordinal) ? null : key, r.GetInt32(2), r.GetInt64(3), r.GetInt64(4),
                r.GetInt32(5), Text(r, 6), Text(r, 7), Text(r, 8), Double(r, 9), Int(r, 10), Opened(r, 11, 13), Text(r, 12)));
        }
        return events;
    }

    public IReadOnlyList<ItemRecord> RecipientHistory(int teamId, string recipient, int limit) =>
        ReadItems(PostgresSql.SelectRecipientHistory, teamId, recipient, limit);

    public IReadOnlyList<ItemRecord> RecentItems(int teamId, long sinceMs) => ReadItems(PostgresSql.SelectItemsSince, teamId, sinceMs);

    private List<ItemRecord> ReadItems(string sql, params object?[] values)
    {
        using var c = Open();
        using var cmd = Command(c, sql, values);
        using var r = cmd.ExecuteReader();
        var items = new List<ItemRecord>();
        while (r.Read()) items.Add(ReadItem(r));
        return items;
    }

    private static ItemRecord ReadItem(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetInt32(1), r.GetString(2), r.GetInt32(3), r.GetInt32(4), r.GetInt64(5), r.GetInt64(6),
        Long(r, 7), Long(r, 8), r.GetInt32(9), Text(r, 10), r.GetDouble(11), r.GetInt32(12), Text(r, 13));

    public IFailureSnapshot OpenFailureSnapshot() => new FailureSnapshot(Open());

    /// <summary>Both reads of a failure analysis see one snapshot: a repeatable-read, read-only transaction.</summary>
    private sealed class FailureSnapshot : IFailureSnapshot
    {
        private readonly NpgsqlConnection _connection;
        private readonly NpgsqlTransaction _transaction;

        public FailureSnapshot(NpgsqlConnection connection)
        {
            _connection = connection;
            _transaction = connection.BeginTransaction(System.Data.IsolationLevel.RepeatableRead);
        }

        public void ReadFailingEvents(int teamId, long fromMs, long midMs, long toMs, Action<FailingEventRow> visit)
        {
            using var cmd = Command(_connection, PostgresSql.SelectFailingEvents, teamId, fromMs, midMs, toMs);
            using var r = cmd.ExecuteReader();
            while (r.Read())
                visit(new FailingEventRow(r.GetInt64(0), r.IsDBNull(1) ? -1 : r.GetInt32(1), r.GetInt32(2), Text(r, 3), r.GetBoolean(4)));
        }

        public bool HasFailingEvents(int teamId, long fromMs, long toMs)
        {
            using var cmd = Command(_connection, PostgresSql.AnyFailingEvent, teamId, fromMs, toMs);
            return (bool)cmd.ExecuteScalar()!;
        }

        public void ReadFailureCells(int teamId, Granularity g, UtcMinute from, UtcMinute to, Action<int, string, long> visit, IReadOnlySet<int>? onlySets = null)
        {
            using var cmd = Command(_connection, PostgresSql.SelectFailureCells, teamId, (int)g, from.Value, to.Value);
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                int dims = r.GetInt32(0);
                if (onlySets is null || onlySets.Contains(dims)) visit(dims, r.GetString(1), r.GetInt64(2));
            }
        }

        public void Dispose()
        {
            _transaction.Dispose();
            _connection.Dispose();
        }
    }
}
