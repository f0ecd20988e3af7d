using System.Text.Json;
using Herald.Domain;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

public sealed partial class SqliteStore : IAgentStore, ICustomerStore, IDeliveryStore
{
    // The delivery writer's own connection and its prepared statements, reused by every group it writes.
    private SqliteConnection? _deliveryWriterConnection;
    private readonly Dictionary<string, SqliteCommand> _deliveryStatements = new(StringComparer.Ordinal);

    // ---- Agents ----

    public AgentRecord CreateAgent(AgentRecord agent)
    {
        using var c = Open();
        try
        {
            using var cmd = Command(c, SqliteSql.InsertAgent, ("$public_id", agent.PublicId), ("$team", agent.TeamId), ("$name", Seal(agent.Name)), ("$phone", Seal(agent.Phone)),
                ("$email", Seal(agent.Email)), ("$phone_index", BlindIndex(agent.Phone)), ("$email_index", BlindIndex(agent.Email)), ("$hash", agent.PasswordHash), ("$role", agent.Role), ("$active", agent.IsActive ? 1 : 0), ("$now", agent.CreatedAtMs));
            using var r = cmd.ExecuteReader();
            r.Read();
            return ReadAgent(r);
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            throw DuplicateAgentField(e, agent);
        }
    }

    private static void SyncAgentLocation(SqliteConnection c, SqliteTransaction? tx, long id) => Execute(c, tx, SqliteSql.SyncAgentLocation, ("$id", id));

    public AgentRecord? FindAgent(int teamId, string publicId) => QueryAgent(SqliteSql.SelectAgent, ("$team", teamId), ("$public_id", publicId));

    public AgentRecord? FindAgentById(long id) => QueryAgent(SqliteSql.SelectAgentById, ("$id", id));

    public AgentRecord? FindAgentByEmail(int teamId, string email) => QueryAgent(SqliteSql.SelectAgentByEmail, ("$team", teamId), ("$email_index", BlindIndex(email)));

    public AgentRecord? FindAgentByPhone(int teamId, string phone) => QueryAgent(SqliteSql.SelectAgentByPhone, ("$team", teamId), ("$phone_index", BlindIndex(phone)));

    private AgentRecord? QueryAgent(string sql, params (string, object?)[] parameters)
    {
        using var c = Open();
        using var cmd = Command(c, sql, parameters);
        using var r = cmd.ExecuteReader();
        return r.Read() ? ReadAgent(r) : null;
    }

    public IReadOnlyList<AgentRecord> ListAgents(int teamId, string? role, bool? isActive, long afterId, int limit)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectAgents, ("$team", teamId), ("$role", role), ("$active", isActive is { } b ? b ? 1 : 0 : null),
            ("$after", afterId), ("$limit", limit));
        using var r = cmd.ExecuteReader();
        var list = new List<AgentRecord>();
        while (r.Read()) list.Add(ReadAgent(r));
        return list;
    }

    public AgentRecord UpdateAgent(AgentRecord agent)
    {
        using var c = Open();
        try
        {
            using var cmd = Command(c, SqliteSql.UpdateAgent, ("$id", agent.Id), ("$name", Seal(agent.Name)), ("$phone", Seal(agent.Phone)), ("$email", Seal(agent.Email)),
                ("$phone_index", BlindIndex(agent.Phone)), ("$email_index", BlindIndex(agent.Email)),
                ("$hash", agent.PasswordHash), ("$role", agent.Role), ("$active", agent.IsActive ? 1 : 0), ("$version", agent.CredentialsVersion), ("$now", agent.UpdatedAtMs));
            AgentRecord updated;
            using (var r = cmd.ExecuteReader())
                updated = r.Read() ? ReadAgent(r) : throw new InvalidOperationException($"agent {agent.PublicId} is gone");
            SyncAgentLocation(c, null, agent.Id);
            return updated;
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            throw DuplicateAgentField(e, agent);
        }
    }

    private static DuplicateFieldException DuplicateAgentField(SqliteException e, AgentRecord a) => e.Message.Contains("phone", StringComparison.Ordinal)
        ? new DuplicateFieldException("phone", $"another agent of the team has the phone {a.Phone}")
        : new DuplicateFieldException("email", $"another agent of the team has the email {a.Email}");

    public long DeleteAgent(long id, long nowMs)
    {
        using var c = Open();
        using var tx = c.BeginTransaction();
        var agent = Scalar(c, tx, "SELECT team_id FROM agents WHERE id = $id AND deleted_at IS NULL", ("$id", id));
        if (agent is null) return 0;
        long active = Convert.ToInt64(Scalar(c, tx, SqliteSql.ActiveDeliveriesOfAgent, ("$team", agent), ("$agent", id)));
        if (active > 0) return active;
        Execute(c, tx, SqliteSql.DeleteAgent, ("$id", id), ("$now", nowMs));
        SyncAgentLocation(c, tx, id);
        tx.Commit();
        return 0;
    }

    public void SetAgentLocation(long id, GeoPoint location, long nowMs)
    {
        using var c = Open();
        using var tx = c.BeginTransaction();
        Execute(c, tx, SqliteSql.SetAgentLocation, ("$id", id), ("$lon", location.Longitude), ("$lat", location.Latitude), ("$now", nowMs));
        SyncAgentLocation(c, tx, id);
        tx.Commit();
    }

    public void SetPushSubscription(long id, string? subscriptionJson, long nowMs)
    {
        using var c = Open();
        Execute(c, null, SqliteSql.SetPushSubscription, ("$id", id), ("$subscription", subscriptionJson), ("$now", nowMs));
    }

    public bool ClearPushSubscription(long id, string subscriptionJson, long nowMs)
    {
        using var c = Open();
        return Execute(c, null, SqliteSql.ClearPushSubscription, ("$id", id), ("$subscription", subscriptionJson), ("$now", nowMs)) > 0;
    }

    public void RecordSignIn(long id, long nowMs)
    {
        using var c = Open();
        Execute(c, null, SqliteSql.RecordSignIn, ("$id", id), ("$now", nowMs));
    }

    public long? RecordFailedSignIn(long id, int maxFailures, long lockUntilMs)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.RecordFailedSignIn, ("$id", id), ("$max", maxFailures), ("$until", lockUntilMs));
        using var r = cmd.ExecuteReader();
        return r.Read() ? Long(r, 0) : null;
    }

    public IReadOnlyList<AgentPosition> ActiveAgentsWithin(int teamId, IReadOnlyList<GeoBox> boxes)
    {
        using var c = Open();
        return AgentsWithin(c, null, teamId, boxes);
    }

    private static List<AgentPosition> AgentsWithin(SqliteConnection c, SqliteTransaction? tx, int teamId, IReadOnlyList<GeoBox> boxes)
    {
        var parameters = new List<(string, object?)> { ("$team", teamId) };
        for (int b = 0; b < boxes.Count; b++)
        {
            parameters.Add(($"$b{b}_min_lon", boxes[b].MinLongitude));
            parameters.Add(($"$b{b}_max_lon", boxes[b].MaxLongitude));
            parameters.Add(($"$b{b}_min_lat", boxes[b].MinLatitude));
            parameters.Add(($"$b{b}_max_lat", boxes[b].MaxLatitude));
        }
        using var cmd = Command(c, SqliteSql.AgentsWithin(boxes.Count), parameters.ToArray());
        cmd.Transaction = tx;
        using var r = cmd.ExecuteReader();
        var list = new List<AgentPosition>();
        while (r.Read()) list.Add(new AgentPosition(r.GetInt64(0), new GeoPoint(r.GetDouble(1), r.GetDouble(2))));
        return list;
    }

    public IReadOnlyDictionary<long, (string PublicId, string Name)> AgentLabels(IReadOnlyList<long> agentIds)
    {
        var labels = new Dictionary<long, (string, string)>();
        if (agentIds.Count == 0) return labels;
        using var c = Open();
        using var cmd = Command(c, SqliteSql.AgentLabels, ("$agents", JsonSerializer.Serialize(agentIds)));
        using var r = cmd.ExecuteReader();
        while (r.Read()) labels[r.GetInt64(0)] = (r.GetString(1), Opened(r, 2)!);
        return labels;
    }

    public IReadOnlyDictionary<long, AgentFigures> AgentFigures(int teamId, IReadOnlyList<long> agentIds)
    {
        var figures = new Dictionary<long, AgentFigures>();
        if (agentIds.Count == 0) return figures;
        string ids = JsonSerializer.Serialize(agentIds);
        using var c = Open();
        var active = new Dictionary<long, long>();
        using (var cmd = Command(c, SqliteSql.ActiveDeliveriesOfAgents, ("$team", teamId), ("$agents", ids)))
        using (var r = cmd.ExecuteReader())
            while (r.Read()) active[r.GetInt64(0)] = r.GetInt64(1);
        using (var cmd = Command(c, SqliteSql.CarrierFigures, ("$team", teamId), ("$agents", ids)))
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
                figures[r.GetInt64(0)] = new AgentFigures(active.GetValueOrDefault(r.GetInt64(0)), r.GetInt64(1), r.GetInt64(2), Double(r, 4), Double(r, 3));
        }
        foreach (var id in agentIds)
            if (!figures.ContainsKey(id)) figures[id] = Storage.AgentFigures.None with { ActiveDeliveries = active.GetValueOrDefault(id) };
        return figures;
    }

    private AgentRecord ReadAgent(SqliteDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetInt32(2), Opened(r, 3)!, Opened(r, 4)!, Opened(r, 5)!, r.GetString(6), r.GetString(7), r.GetInt64(8) != 0,
        r.IsDBNull(9) || r.IsDBNull(10) ? null : new GeoPoint(r.GetDouble(9), r.GetDouble(10)), Long(r, 11), Text(r, 12), Long(r, 13), r.GetInt32(14),
        r.GetInt32(15), Long(r, 16), r.GetInt32(17), r.GetInt64(18), r.GetInt64(19));

    // ---- Customers ----

    private static readonly JsonSerializerOptions PreferencesJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public CustomerRecord CreateCustomer(CustomerRecord customer)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.UpsertCustomer, ("$team", customer.TeamId), ("$recipient", Recipients.Stored(customer.Phone)),
            ("$phone", Seal(customer.Phone)), ("$tz", customer.TimeZone), ("$now", customer.CreatedAtMs),
            ("$public_id", customer.PublicId), ("$name", Seal(customer.Name)), ("$email", Seal(customer.Email)), ("$address", Seal(customer.Address)),
            ("$preferences", JsonSerializer.Serialize(customer.Preferences, PreferencesJson)));
        using var r = cmd.ExecuteReader();
        // No row: the phone's contact is already a customer, so the upsert's condition kept it as it was.
        return r.Read() ? ReadCustomer(r) : throw new DuplicateFieldException("phone", $"another customer of the team has the phone {customer.Phone}");
    }

    public CustomerRecord? FindCustomer(int teamId, string publicId)
    {
        using var c = Open();
        return FindCustomer(c, null, teamId, publicId);
    }

    private CustomerRecord? FindCustomer(SqliteConnection c, SqliteTransaction? tx, int teamId, string publicId)
    {
        using var cmd = Command(c, SqliteSql.SelectCustomer, ("$team", teamId), ("$public_id", publicId));
        cmd.Transaction = tx;
        using var r = cmd.ExecuteReader();
        return r.Read() ? ReadCustomer(r) : null;
    }

    public IReadOnlyList<CustomerRecord> ListCustomers(int teamId, (long CreatedAtMs, string PublicId)? before, int limit)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectCustomers, ("$team", teamId), ("$before_at", before?.CreatedAtMs), ("$before_id", before?.PublicId),
            ("$limit", limit));
        using var r = cmd.ExecuteReader();
        var list = new List<CustomerRecord>();
        while (r.Read()) list.Add(ReadCustomer(r));
        return list;
    }

    public CustomerRecord UpdateCustomer(CustomerRecord customer, string previousPhone)
    {
        using var c = Open();
        try
        {
            using var cmd = Command(c, SqliteSql.UpdateCustomer, ("$team", customer.TeamId), ("$public_id", customer.PublicId),
                ("$recipient", Recipients.Stored(customer.Phone)), ("$phone", Seal(customer.Phone)), ("$name", Seal(customer.Name)),
                ("$email", Seal(customer.Email)), ("$address", Seal(customer.Address)), ("$preferences", JsonSerializer.Serialize(customer.Preferences, PreferencesJson)),
                ("$tz", customer.TimeZone), ("$now", customer.UpdatedAtMs));
            using var r = cmd.ExecuteReader();
            return r.Read() ? ReadCustomer(r) : throw new InvalidOperationException($"customer {customer.PublicId} is gone");
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19 && customer.Phone != previousPhone)
        {
            throw new DuplicateFieldException("phone", $"the team already has a contact with the phone {customer.Phone}");
        }
    }

    public long DeleteCustomer(int teamId, string publicId)
    {
        using var c = Open();
        using var tx = c.BeginTransaction();
        long deliveries = Convert.ToInt64(Scalar(c, tx, SqliteSql.CountDeliveriesOfCustomer, ("$team", teamId), ("$public_id", publicId)));
        if (deliveries > 0) return deliveries;
        Execute(c, tx, SqliteSql.DeleteCustomer, ("$team", teamId), ("$public_id", publicId));
        tx.Commit();
        return 0;
    }

    public IReadOnlyDictionary<string, CustomerFigures> CustomerFigures(int teamId, IReadOnlyList<string> publicIds)
    {
        var figures = new Dictionary<string, CustomerFigures>(StringComparer.Ordinal);
        if (publicIds.Count == 0) return figures;
        using var c = Open();
        using var cmd = Command(c, SqliteSql.CustomerFigures, ("$team", teamId), ("$customers", JsonSerializer.Serialize(publicIds)));
        using var r = cmd.ExecuteReader();
        while (r.Read()) figures[r.GetString(0)] = new CustomerFigures(r.GetInt64(1), r.GetInt64(2), Long(r, 3), Double(r, 4));
        return figures;
    }

    // The phone is its sealed column; a row from before it (plain recipients only) still has it as its recipient.
    private CustomerRecord ReadCustomer(SqliteDataReader r) => new(
        r.GetString(0), r.GetInt32(1), Opened(r, 10) ?? r.GetString(2), Opened(r, 3)!, Opened(r, 4), Opened(r, 5),
        r.IsDBNull(6) ? CustomerPreferences.Default : JsonSerializer.Deserialize<CustomerPreferences>(r.GetString(6), PreferencesJson)!,
        Text(r, 7), r.GetInt64(8), r.GetInt64(9));

    // ---- Deliveries, reads ----

    public IDeliveryWriteSession BeginDeliveryWrite()
    {
        _ = Fields; // before the write transaction, as BeginWrite does

        _deliveryWriterConnection ??= Open(writer: true);
        return new SqliteDeliveryWriteSession(this, _deliveryWriterConnection, _deliveryStatements);
    }

    public DeliveryRecord? FindDelivery(int teamId, string publicId)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectDelivery, ("$team", teamId), ("$public_id", publicId));
        using var r = cmd.ExecuteReader();
        return r.Read() ? ReadDelivery(r) : null;
    }

    public IReadOnlyList<DeliveryRecord> ListDeliveries(DeliveryListQuery query)
    {
        static string Json<T>(IReadOnlyList<T> values) => JsonSerializer.Serialize(values);
        static object? One<T>(IReadOnlyList<T>? values, Func<T, object> single) =>
            values is null ? null : values.Count == 1 ? single(values[0]) : Json(values);
        using var c = Open();
        using var cmd = Command(c, SqliteSql.ListDeliveries(query), ("$team", query.TeamId),
            ("$statuses", One(query.Statuses?.Select(s => (int)s).ToList(), s => s)), ("$agents", One(query.AgentIds, a => a)),
            ("$customers", One(query.CustomerIds, k => k)), ("$priorities", One(query.Priorities?.Select(p => (int)p).ToList(), p => p)),
            ("$fragile", query.Fragile is { } f ? f ? 1 : 0 : null), ("$from", query.CreatedFromMs), ("$to", query.CreatedToMs),
            ("$before_at", query.Before?.CreatedAtMs), ("$before_id", query.Before?.Id), ("$limit", query.Limit));
        using var r = cmd.ExecuteReader();
        var list = new List<DeliveryRecord>();
        while (r.Read()) list.Add(ReadDelivery(r));
        return list;
    }

    public IReadOnlyList<TrackingRecord> TrackingOf(IReadOnlyList<long> deliveryIds)
    {
        if (deliveryIds.Count == 0) return [];
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectTracking, ("$deliveries", JsonSerializer.Serialize(deliveryIds)));
        using var r = cmd.ExecuteReader();
        var list = new List<TrackingRecord>();
        while (r.Read()) list.Add(ReadTracking(r));
        return list;
    }

    public IReadOnlyList<AttemptRecord> AttemptsOf(long deliveryId)
    {
        using var c = Open();
        return AttemptsOf(c, null, deliveryId);
    }

    private static List<AttemptRecord> AttemptsOf(SqliteConnection c, SqliteTransaction? tx, long deliveryId)
    {
        using var cmd = Command(c, SqliteSql.SelectAttempts, ("$delivery", deliveryId));
        cmd.Transaction = tx;
        using var r = cmd.ExecuteReader();
        var list = new List<AttemptRecord>();
        while (r.Read()) list.Add(ReadAttempt(r));
        return list;
    }

    public IReadOnlyDictionary<long, string> AgentPublicIds(IReadOnlyList<long> agentIds)
    {
        var ids = new Dictionary<long, string>();
        if (agentIds.Count == 0) return ids;
        using var c = Open();
        using var cmd = Command(c, SqliteSql.AgentPublicIds, ("$agents", JsonSerializer.Serialize(agentIds.Distinct())));
        using var r = cmd.ExecuteReader();
        while (r.Read()) ids[r.GetInt64(0)] = r.GetString(1);
        return ids;
    }

    public DeliverySettingsRecord? DeliverySettings(int teamId)
    {
        using var c = Open();
        return DeliverySettings(c, null, teamId);
    }

    private DeliverySettingsRecord? DeliverySettings(SqliteConnection c, SqliteTransaction? tx, int teamId)
    {
        using var cmd = Command(c, SqliteSql.SelectDeliverySettings, ("$team", teamId));
        cmd.Transaction = tx;
        using var r = cmd.ExecuteReader();
        return r.Read() ? new DeliverySettingsRecord(r.GetInt32(0), r.GetInt32(1), Opened(r, 2), r.GetInt64(3)) : null;
    }

    public void SaveDeliverySettings(int teamId, DeliverySettingsRecord settings)
    {
        using var c = Open();
        Execute(c, null, SqliteSql.UpsertDeliverySettings, ("$team", teamId), ("$max_active", settings.MaxActiveDeliveries), ("$backoff", settings.RetryBackoffMinutes),
            ("$twilio", Seal(settings.TwilioJson)), ("$now", settings.UpdatedAtMs));
    }

    public IReadOnlyList<AttemptFact> AttemptsIn(int teamId, long fromMs, long toMs)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectAttemptsInWindow, ("$team", teamId), ("$from", fromMs), ("$to", toMs));
        using var r = cmd.ExecuteReader();
        var list = new List<AttemptFact>();
        while (r.Read())
        {
            list.Add(new AttemptFact(r.GetInt64(0), r.GetInt32(1), Long(r, 2), Text(r, 3), Text(r, 4), (Status)r.GetInt32(5), r.GetInt64(6), r.GetInt64(7),
                r.GetInt32(8), Long(r, 9), Long(r, 10), Long(r, 11), r.GetInt64(12) != 0, Int(r, 13)));
        }
        return list;
    }

    public long LastDeliveryCreatedAtMs()
    {
        using var c = Open();
        return Convert.ToInt64(Scalar(c, null, SqliteSql.LastDeliveryCreatedAt));
    }

    public long EngineSyncedThrough()
    {
        using var c = Open();
        return Convert.ToInt64(Scalar(c, null, SqliteSql.SelectEngineSyncedThrough));
    }

    public void SetEngineSyncedThrough(long trackingId)
    {
        using var c = Open();
        Execute(c, null, SqliteSql.SetEngineSyncedThrough, ("$id", trackingId));
    }

    public IReadOnlyList<TrackedEvent> TrackedEventsAfter(long trackingId, int limit)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectTrackedEventsAfter, ("$after", trackingId), ("$limit", limit));
        using var r = cmd.ExecuteReader();
        var list = new List<TrackedEvent>();
        while (r.Read())
        {
            list.Add(new TrackedEvent(r.GetInt64(0), r.GetInt32(1), r.GetString(2), r.GetInt32(3), (Status)r.GetInt32(4), r.GetInt64(5),
                Point(r, 6), Opened(r, 8), Text(r, 9), Text(r, 10)));
        }
        return list;
    }

    private static object? Scalar(SqliteConnection c, SqliteTransaction? tx, string sql, params (string, object?)[] parameters)
    {
        using var cmd = Command(c, sql, parameters);
        cmd.Transaction = tx;
        var value = cmd.ExecuteScalar();
        return value is DBNull ? null : value;
    }

    internal static GeoPoint? Point(SqliteDataReader r, int i) => r.IsDBNull(i) || r.IsDBNull(i + 1) ? null : new GeoPoint(r.GetDouble(i), r.GetDouble(i + 1));

    internal DeliveryRecord ReadDelivery(SqliteDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetInt32(2), r.GetString(3), Long(r, 4), Opened(r, 5)!, new GeoPoint(r.GetDouble(6), r.GetDouble(7)),
        r.GetInt64(8), r.GetInt32(9), (Status)r.GetInt32(10), (DeliveryPriority)r.GetInt32(11), Text(r, 12), r.GetInt64(13) != 0, Text(r, 14),
        Text(r, 15), Long(r, 16), Int(r, 17), Text(r, 18), Long(r, 19), r.GetInt32(20), r.GetInt32(21), r.GetInt64(22), r.GetInt64(23));

    internal static AttemptRecord ReadAttempt(SqliteDataReader r) => new(
        r.GetInt64(0), r.GetInt32(1), r.GetInt32(2), Long(r, 3), Long(r, 4), Text(r, 5), r.GetInt64(6), r.GetInt64(7), r.GetInt64(8),
        (Status)r.GetInt32(9), r.GetInt64(10), Long(r, 11), Long(r, 12), Long(r, 13));

    private TrackingRecord ReadTracking(SqliteDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), r.GetInt32(2), (Status)r.GetInt32(3), r.GetInt64(4), Point(r, 5), Opened(r, 7), Long(r, 8), r.GetInt64(9));

    // ---- Deliveries, the writer's session ----

    private sealed class SqliteDeliveryWriteSession : IDeliveryWriteSession
    {
        private const string SavepointName = "delivery_command";
        private readonly SqliteConnection _c;
        private readonly SqliteTransaction _tx;
        private readonly Dictionary<string, SqliteCommand> _statements;
        private readonly SqliteStore _store;

        public SqliteDeliveryWriteSession(SqliteStore store, SqliteConnection c, Dictionary<string, SqliteCommand> statements)
        {
            _store = store;
            _c = c;
            _statements = statements;
            _tx = c.BeginTransaction();
        }

        /// <summary>A prepared statement of this connection, bound to the open transaction and the given values.</summary>
        private SqliteCommand Statement(string sql, params (string Name, object? Value)[] parameters)
        {
            if (!_statements.TryGetValue(sql, out var cmd))
            {
                cmd = _c.CreateCommand();
                cmd.CommandText = sql;
                _statements[sql] = cmd;
            }
            cmd.Transaction = _tx;
            cmd.Parameters.Clear();
            foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
            return cmd;
        }

        public void Savepoint() => _tx.Save(SavepointName);

        public void ReleaseSavepoint() => _tx.Release(SavepointName);

        public void RollbackToSavepoint()
        {
            _tx.Rollback(SavepointName);
            _tx.Release(SavepointName);
        }

        public CustomerRecord? FindCustomer(int teamId, string publicId) => _store.FindCustomer(_c, _tx, teamId, publicId);

        // The phone is its sealed column; a row from before it (plain recipients only) still has it as its recipient.
        public string? CustomerPhone(int teamId, string publicId)
        {
            using var r = Statement(SqliteSql.SelectCustomerPhone, ("$team", teamId), ("$public_id", publicId)).ExecuteReader();
            return r.Read() ? _store.Opened(r, 0) ?? r.GetString(1) : null;
        }

        public AgentRecord? FindAgent(int teamId, string publicId) => Agent(Statement(SqliteSql.SelectAgent, ("$team", teamId), ("$public_id", publicId)));

        public AgentRecord? FindAgentById(long id) => Agent(Statement(SqliteSql.SelectAgentById, ("$id", id)));

        private AgentRecord? Agent(SqliteCommand cmd)
        {
            using var r = cmd.ExecuteReader();
            return r.Read() ? _store.ReadAgent(r) : null;
        }

        public DeliveryRecord? FindDelivery(int teamId, string publicId)
        {
            using var r = Statement(SqliteSql.SelectDelivery, ("$team", teamId), ("$public_id", publicId)).ExecuteReader();
            return r.Read() ? _store.ReadDelivery(r) : null;
        }

        public IReadOnlyList<AttemptRecord> AttemptsOf(long deliveryId)
        {
            using var r = Statement(SqliteSql.SelectAttempts, ("$delivery", deliveryId)).ExecuteReader();
            var list = new List<AttemptRecord>();
            while (r.Read()) list.Add(ReadAttempt(r));
            return list;
        }

        public long InsertDelivery(DeliveryRecord d) =>
            Convert.ToInt64(Statement(SqliteSql.InsertDelivery, DeliveryValues(d)).ExecuteScalar());

        public void UpdateDelivery(DeliveryRecord d) => Statement(SqliteSql.UpdateDelivery, [("$id", d.Id), .. DeliveryValues(d)]).ExecuteNonQuery();

        private (string, object?)[] DeliveryValues(DeliveryRecord d) =>
        [
            ("$public_id", d.PublicId), ("$team", d.TeamId), ("$customer", d.CustomerId), ("$agent", d.AgentId), ("$address", _store.Seal(d.Address)),
            ("$lon", d.Coordinates.Longitude), ("$lat", d.Coordinates.Latitude), ("$scheduled", d.ScheduledTimeMs), ("$duration", d.EstimatedDurationMinutes),
            ("$status", (int)d.Status), ("$priority", (int)d.Priority), ("$package", d.PackageDetailsJson), ("$fragile", d.Fragile ? 1 : 0),
            ("$call", d.CallLogId), ("$recording", d.RecordingId), ("$actual", d.ActualDeliveryTimeMs), ("$rating", d.FeedbackRating),
            ("$comments", d.FeedbackComments), ("$feedback_at", d.FeedbackAtMs), ("$retries", d.RetryCount), ("$max_retries", d.MaxRetries),
            ("$created", d.CreatedAtMs), ("$updated", d.UpdatedAtMs),
        ];

        public void InsertAttempt(AttemptRecord a) => Statement(SqliteSql.InsertAttempt, AttemptValues(a)).ExecuteNonQuery();

        public void UpdateAttempt(AttemptRecord a) => Statement(SqliteSql.UpdateAttempt, AttemptValues(a)).ExecuteNonQuery();

        private static (string, object?)[] AttemptValues(AttemptRecord a) =>
        [
            ("$delivery", a.DeliveryId), ("$attempt", a.Attempt), ("$team", a.TeamId), ("$agent", a.AgentId), ("$carrier", a.CarrierId),
            ("$country", a.Country), ("$scheduled", a.ScheduledTimeMs), ("$started", a.StartedAtMs), ("$earliest", a.EarliestAtMs),
            ("$status", (int)a.Status), ("$status_at", a.StatusAtMs), ("$assigned", a.AssignedAtMs), ("$in_transit", a.InTransitAtMs),
            ("$completed", a.CompletedAtMs),
        ];

        public long AppendTracking(TrackingRecord t) => Convert.ToInt64(Statement(SqliteSql.InsertTracking, ("$delivery", t.DeliveryId),
            ("$attempt", t.Attempt), ("$status", (int)t.Status), ("$occurred", t.OccurredAtMs), ("$lon", t.Location?.Longitude),
            ("$lat", t.Location?.Latitude), ("$notes", _store.Seal(t.Notes)), ("$agent", t.AgentId), ("$recorded", t.RecordedAtMs)).ExecuteScalar());

        public long ActiveDeliveries(int teamId, long agentId) =>
            Convert.ToInt64(Statement(SqliteSql.ActiveDeliveriesOfAgent, ("$team", teamId), ("$agent", agentId)).ExecuteScalar());

        public IReadOnlyList<AgentPosition> ActiveAgentsWithin(int teamId, IReadOnlyList<GeoBox> boxes) => AgentsWithin(_c, _tx, teamId, boxes);

        public DeliverySettingsRecord? DeliverySettings(int teamId) => _store.DeliverySettings(_c, _tx, teamId);

        public void SetEngineSyncedThrough(long trackingId) => Statement(SqliteSql.SetEngineSyncedThrough, ("$id", trackingId)).ExecuteNonQuery();

        public void AppendAudit(IReadOnlyList<AuditEntry> entries) =>
            SqliteStore.AppendAudit(Statement(SqliteSql.SelectAuditTail), Statement(SqliteSql.InsertAudit), entries);

        public void Commit() => _tx.Commit();

        public void Dispose() => _tx.Dispose();
    }
}
