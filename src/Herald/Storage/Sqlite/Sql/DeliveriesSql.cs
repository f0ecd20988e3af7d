using Herald.Domain;

namespace Herald.Storage.Sqlite;

internal static partial class SqliteSql
{
    /// <summary>The stored codes of the statuses a delivery is active in (an agent holds it) and done in.</summary>
    private static readonly string ActiveStatuses = $"{(int)Status.Assigned}, {(int)Status.InTransit}";
    private static readonly int CompletedCode = (int)Status.Completed;

    // ---- Agents (migration 20) ----
    public const string AgentColumns = """
        id, public_id, team_id, name, phone, email, password_hash, role, is_active, longitude, latitude, located_at, push_subscription,
        last_login, login_count, failed_sign_ins, locked_until, credentials_version, created_at, updated_at
        """;
    public const string InsertAgent = """
        INSERT INTO agents (public_id, team_id, name, phone, email, phone_index, email_index, password_hash, role, is_active, created_at, updated_at)
        VALUES ($public_id, $team, $name, $phone, $email, $phone_index, $email_index, $hash, $role, $active, $now, $now)
        RETURNING
        """ + " " + AgentColumns;
    public const string SelectAgent = "SELECT " + AgentColumns + " FROM agents WHERE team_id = $team AND public_id = $public_id AND deleted_at IS NULL";
    public const string SelectAgentById = "SELECT " + AgentColumns + " FROM agents WHERE id = $id AND deleted_at IS NULL";
    public const string SelectAgentByEmail = "SELECT " + AgentColumns + " FROM agents WHERE team_id = $team AND email_index = $email_index AND deleted_at IS NULL";
    public const string SelectAgentByPhone = "SELECT " + AgentColumns + " FROM agents WHERE team_id = $team AND phone_index = $phone_index AND deleted_at IS NULL";
    public const string SelectAgents = "SELECT " + AgentColumns + """
         FROM agents INDEXED BY ix_agents_team
        WHERE team_id = $team AND deleted_at IS NULL AND id > $after AND ($role IS NULL OR role = $role) AND ($active IS NULL OR is_active = $active)
        ORDER BY id LIMIT $limit
        """;
    public const string UpdateAgent = """
        UPDATE agents SET name = $name, phone = $phone, email = $email, phone_index = $phone_index, email_index = $email_index, password_hash = $hash, role = $role, is_active = $active,
            credentials_version = $version, updated_at = $now
        WHERE id = $id AND deleted_at IS NULL
        RETURNING
        """ + " " + AgentColumns;
    public const string DeleteAgent = "UPDATE agents SET deleted_at = $now, is_active = 0, push_subscription = NULL WHERE id = $id AND deleted_at IS NULL";
    public const string SetAgentLocation = "UPDATE agents SET longitude = $lon, latitude = $lat, located_at = $now, updated_at = $now WHERE id = $id";
    /// <summary>The agent's entry in the spatial index, kept only while it can take work (active, not deleted, located).</summary>
    public const string SyncAgentLocation = """
        DELETE FROM agent_locations WHERE id = $id;
        INSERT INTO agent_locations (id, min_lon, max_lon, min_lat, max_lat, team_id, longitude, latitude)
        SELECT id, longitude, longitude, latitude, latitude, team_id, longitude, latitude FROM agents
        WHERE id = $id AND is_active = 1 AND deleted_at IS NULL AND longitude IS NOT NULL;
        """;
    public const string AgentLabels = "SELECT id, public_id, name FROM agents WHERE id IN (SELECT value FROM json_each($agents))";
    public const string ClearPushSubscription =
        "UPDATE agents SET push_subscription = NULL, updated_at = $now WHERE id = $id AND push_subscription = $subscription";
    public const string SetPushSubscription = "UPDATE agents SET push_subscription = $subscription, updated_at = $now WHERE id = $id";
    public const string RecordSignIn = """
        UPDATE agents SET last_login = $now, login_count = login_count + 1, failed_sign_ins = 0, locked_until = NULL WHERE id = $id
        """;
    /// <summary>The expressions read the row as it was: the failure that reaches the limit locks and starts a new count.</summary>
    public const string RecordFailedSignIn = """
        UPDATE agents SET locked_until = CASE WHEN failed_sign_ins + 1 >= $max THEN $until ELSE locked_until END,
            failed_sign_ins = CASE WHEN failed_sign_ins + 1 >= $max THEN 0 ELSE failed_sign_ins + 1 END
        WHERE id = $id
        RETURNING locked_until
        """;
    /// <summary>
    /// The R*Tree alone: the box picks a few entries from its index, which carry their team and exact position (the index's own
    /// bounds are 32-bit floats, rounded outwards). Boxes are bound as $b{n}_*; the query is built per number of boxes.
    /// </summary>
    public static string AgentsWithin(int boxes) =>
        "SELECT id, longitude, latitude FROM agent_locations WHERE (" + string.Join(" OR ", Enumerable.Range(0, boxes).Select(b =>
            $"(min_lon <= $b{b}_max_lon AND max_lon >= $b{b}_min_lon AND min_lat <= $b{b}_max_lat AND max_lat >= $b{b}_min_lat)")) +
        ") AND team_id = $team";
    public static readonly string ActiveDeliveriesOfAgent = $"""
        SELECT COUNT(*) FROM deliveries INDEXED BY ix_deliveries_agent_status
        WHERE team_id = $team AND agent_id = $agent AND status IN ({ActiveStatuses})
        """;
    /// <summary>Per agent: active deliveries (assigned or in transit, from the deliveries they hold).</summary>
    public static readonly string ActiveDeliveriesOfAgents = $"""
        SELECT agent_id, COUNT(*) FROM deliveries INDEXED BY ix_deliveries_agent_status
        WHERE team_id = $team AND agent_id IN (SELECT value FROM json_each($agents)) AND status IN ({ActiveStatuses})
        GROUP BY agent_id
        """;
    /// <summary>
    /// Per agent, over the attempts it carried: how many, how many completed, the mean minutes from assignment to in
    /// transit, and the mean rating of the deliveries whose latest attempt it completed.
    /// </summary>
    public static readonly string CarrierFigures = $"""
        SELECT a.carrier_id, COUNT(*), SUM(a.status = {CompletedCode}),
            AVG(CASE WHEN a.assigned_at IS NOT NULL AND a.in_transit_at IS NOT NULL THEN (a.in_transit_at - a.assigned_at) / 60000.0 END),
            AVG(CASE WHEN a.attempt = d.retry_count + 1 THEN d.feedback_rating END)
        FROM delivery_attempts a INDEXED BY ix_delivery_attempts_carrier JOIN deliveries d ON d.id = a.delivery_id
        WHERE a.carrier_id IN (SELECT value FROM json_each($agents)) AND a.team_id = $team
        GROUP BY a.carrier_id
        """;
    public const string AgentPublicIds = "SELECT id, public_id FROM agents WHERE id IN (SELECT value FROM json_each($agents))";

    // ---- Customers (migration 21): contacts with a customer id ----
    public const string CustomerColumns = """
        customer_id, team_id, recipient, name, email, address, preferences, time_zone, customer_since, updated_at, phone
        """;
    /// <summary>Makes a phone's contact a customer: a new contact row, or the settings-only row of that phone.</summary>
    public const string UpsertCustomer = """
        INSERT INTO contacts (team_id, recipient, time_zone, quiet_start, quiet_end, created_at, updated_at,
                              customer_id, name, email, address, preferences, customer_since, phone)
        VALUES ($team, $recipient, $tz, NULL, NULL, $now, $now, $public_id, $name, $email, $address, $preferences, $now, $phone)
        ON CONFLICT (team_id, recipient) DO UPDATE SET time_zone = IFNULL(excluded.time_zone, contacts.time_zone),
            customer_id = excluded.customer_id, name = excluded.name, email = excluded.email, address = excluded.address,
            preferences = excluded.preferences, customer_since = excluded.customer_since, updated_at = excluded.updated_at,
            phone = excluded.phone
        WHERE contacts.customer_id IS NULL
        RETURNING
        """ + " " + CustomerColumns;
    public const string SelectCustomer = "SELECT " + CustomerColumns + " FROM contacts WHERE customer_id = $public_id AND team_id = $team";
    public const string SelectCustomerPhone = "SELECT phone, recipient FROM contacts WHERE customer_id = $public_id AND team_id = $team";
    public const string SelectCustomers = "SELECT " + CustomerColumns + """
         FROM contacts INDEXED BY ix_contacts_customers
        WHERE team_id = $team AND customer_id IS NOT NULL
          AND ($before_at IS NULL OR (customer_since, customer_id) < ($before_at, $before_id))
        ORDER BY customer_since DESC, customer_id DESC LIMIT $limit
        """;
    public const string UpdateCustomer = """
        UPDATE contacts SET recipient = $recipient, phone = $phone, name = $name, email = $email, address = $address, preferences = $preferences,
            time_zone = $tz, updated_at = $now
        WHERE team_id = $team AND customer_id = $public_id
        RETURNING
        """ + " " + CustomerColumns;
    public const string CountDeliveriesOfCustomer = """
        SELECT COUNT(*) FROM deliveries INDEXED BY ix_deliveries_customer WHERE team_id = $team AND customer_id = $public_id
        """;
    public const string DeleteCustomer = "DELETE FROM contacts WHERE team_id = $team AND customer_id = $public_id";
    public static readonly string CustomerFigures = $"""
        SELECT customer_id, COUNT(*), SUM(status = {CompletedCode}), MAX(actual_delivery_time), AVG(feedback_rating)
        FROM deliveries INDEXED BY ix_deliveries_customer
        WHERE team_id = $team AND customer_id IN (SELECT value FROM json_each($customers))
        GROUP BY customer_id
        """;

    // ---- Deliveries (migration 22) ----
    public const string DeliveryColumns = """
        d.id, d.public_id, d.team_id, d.customer_id, d.agent_id, d.address, d.longitude, d.latitude, d.scheduled_time,
        d.estimated_duration, d.status, d.priority, d.package_details, d.fragile, d.call_log_id, d.recording_id,
        d.actual_delivery_time, d.feedback_rating, d.feedback_comments, d.feedback_at, d.retry_count, d.max_retries, d.created_at, d.updated_at
        """;
    public const string InsertDelivery = """
        INSERT INTO deliveries (public_id, team_id, customer_id, agent_id, address, longitude, latitude, scheduled_time, estimated_duration,
            status, priority, package_details, fragile, call_log_id, recording_id, actual_delivery_time, feedback_rating, feedback_comments,
            feedback_at, retry_count, max_retries, created_at, updated_at)
        VALUES ($public_id, $team, $customer, $agent, $address, $lon, $lat, $scheduled, $duration, $status, $priority, $package, $fragile,
            $call, $recording, $actual, $rating, $comments, $feedback_at, $retries, $max_retries, $created, $updated)
        RETURNING id
        """;
    public const string UpdateDelivery = """
        UPDATE deliveries SET agent_id = $agent, address = $address, longitude = $lon, latitude = $lat, scheduled_time = $scheduled,
            estimated_duration = $duration, status = $status, priority = $priority, package_details = $package, fragile = $fragile,
            call_log_id = $call, recording_id = $recording, actual_delivery_time = $actual, feedback_rating = $rating,
            feedback_comments = $comments, feedback_at = $feedback_at, retry_count = $retries, max_retries = $max_retries, updated_at = $updated
        WHERE id = $id
        """;
    public const string SelectDelivery = "SELECT " + DeliveryColumns + " FROM deliveries d WHERE d.public_id = $public_id AND d.team_id = $team";
    public const string AttemptColumns = """
        delivery_id, attempt, team_id, agent_id, carrier_id, country, scheduled_time, started_at, earliest_at, status, status_at,
        assigned_at, in_transit_at, completed_at
        """;
    public const string SelectAttempts = "SELECT " + AttemptColumns + " FROM delivery_attempts WHERE delivery_id = $delivery ORDER BY attempt";
    public const string InsertAttempt = """
        INSERT INTO delivery_attempts (delivery_id, attempt, team_id, agent_id, carrier_id, country, scheduled_time, started_at, earliest_at,
            status, status_at, assigned_at, in_transit_at, completed_at)
        VALUES ($delivery, $attempt, $team, $agent, $carrier, $country, $scheduled, $started, $earliest, $status, $status_at, $assigned,
            $in_transit, $completed)
        """;
    public const string UpdateAttempt = """
        UPDATE delivery_attempts SET agent_id = $agent, carrier_id = $carrier, scheduled_time = $scheduled, earliest_at = $earliest,
            status = $status, status_at = $status_at, assigned_at = $assigned, in_transit_at = $in_transit, completed_at = $completed
        WHERE delivery_id = $delivery AND attempt = $attempt
        """;
    public const string InsertTracking = """
        INSERT INTO delivery_tracking (delivery_id, attempt, status, occurred_at, longitude, latitude, notes, agent_id, recorded_at)
        VALUES ($delivery, $attempt, $status, $occurred, $lon, $lat, $notes, $agent, $recorded)
        RETURNING id
        """;
    public const string SelectTracking = """
        SELECT id, delivery_id, attempt, status, occurred_at, longitude, latitude, notes, agent_id, recorded_at
        FROM delivery_tracking WHERE delivery_id IN (SELECT value FROM json_each($deliveries)) ORDER BY delivery_id, occurred_at, id
        """;
    public const string SelectDeliverySettings = """
        SELECT max_active_deliveries, retry_backoff_minutes, twilio, updated_at FROM delivery_settings WHERE team_id = $team
        """;
    public const string UpsertDeliverySettings = """
        INSERT INTO delivery_settings (team_id, max_active_deliveries, retry_backoff_minutes, twilio, updated_at)
        VALUES ($team, $max_active, $backoff, $twilio, $now)
        ON CONFLICT (team_id) DO UPDATE SET max_active_deliveries = excluded.max_active_deliveries,
            retry_backoff_minutes = excluded.retry_backoff_minutes, twilio = excluded.twilio, updated_at = excluded.updated_at
        """;
    public const string SelectAttemptsInWindow = """
        SELECT a.delivery_id, a.attempt, a.carrier_id, g.public_id, a.country, a.status, a.earliest_at, a.scheduled_time,
            d.estimated_duration, a.assigned_at, a.in_transit_at, a.completed_at, a.attempt = d.retry_count + 1, d.feedback_rating
        FROM delivery_attempts a INDEXED BY ix_delivery_attempts_window
        JOIN deliveries d ON d.id = a.delivery_id
        LEFT JOIN agents g ON g.id = a.carrier_id
        WHERE a.team_id = $team AND a.earliest_at >= $from AND a.earliest_at < $to
        """;
    /// <summary>The newest delivery is the one with the highest id (creation times grow with ids).</summary>
    public const string LastDeliveryCreatedAt = "SELECT IFNULL((SELECT created_at FROM deliveries ORDER BY id DESC LIMIT 1), 0)";
    public const string SelectEngineSyncedThrough = "SELECT synced_through FROM delivery_engine_sync WHERE id = 1";
    public const string SetEngineSyncedThrough = "UPDATE delivery_engine_sync SET synced_through = $id WHERE id = 1 AND synced_through < $id";
    public const string SelectTrackedEventsAfter = """
        SELECT t.id, d.team_id, d.public_id, t.attempt, t.status, t.occurred_at, t.longitude, t.latitude, t.notes, g.public_id, a.country
        FROM delivery_tracking t
        JOIN deliveries d ON d.id = t.delivery_id
        JOIN delivery_attempts a ON a.delivery_id = t.delivery_id AND a.attempt = t.attempt
        LEFT JOIN agents g ON g.id = t.agent_id
        WHERE t.id > $after ORDER BY t.id LIMIT $limit
        """;

    /// <summary>
    /// A page of a team's deliveries, newest first. With no status, agent or customer filter the created_at index reads the
    /// window in order; otherwise the filter's own index does (each in id order), with the window checked per row.
    /// </summary>
    public static string ListDeliveries(DeliveryListQuery q)
    {
        string index = q.AgentIds is not null ? "ix_deliveries_agent_status"
            : q.Statuses is not null ? "ix_deliveries_status"
            : q.CustomerIds is not null ? "ix_deliveries_customer"
            : "ix_deliveries_created";
        // One value is an equality, so the index hands its rows over in id order and no sort is needed.
        static string OneOf<T>(string column, IReadOnlyList<T> values, string parameter) =>
            values.Count == 1 ? $"{column} = {parameter}" : $"{column} IN (SELECT value FROM json_each({parameter}))";
        bool byCreation = index == "ix_deliveries_created";
        var where = new List<string> { "d.team_id = $team" };
        if (q.Statuses is not null) where.Add(OneOf("d.status", q.Statuses, "$statuses"));
        if (q.AgentIds is not null) where.Add(OneOf("d.agent_id", q.AgentIds, "$agents"));
        if (q.CustomerIds is not null) where.Add(OneOf("d.customer_id", q.CustomerIds, "$customers"));
        if (q.Priorities is not null) where.Add(OneOf("d.priority", q.Priorities, "$priorities"));
        if (q.Fragile is not null) where.Add("d.fragile = $fragile");
        if (q.CreatedFromMs is not null) where.Add("d.created_at >= $from");
        if (q.CreatedToMs is not null) where.Add("d.created_at < $to");
        if (q.Before is not null) where.Add(byCreation ? "(d.created_at, d.id) < ($before_at, $before_id)" : "d.id < $before_id");
        string order = byCreation ? "d.created_at DESC, d.id DESC" : "d.id DESC";
        return $"SELECT {DeliveryColumns} FROM deliveries d INDEXED BY {index} WHERE {string.Join(" AND ", where)} ORDER BY {order} LIMIT $limit";
    }
}
