namespace Herald.Storage.Sqlite;

internal static partial class SqliteSql
{
    // Consent and inbound (migration 14): the writer's consent_changes, and the raw inbound texts (partial index of migration 11,
    // whose WHERE term must stay word for word in the query).
    public const string ConsentCodeFunction = "herald_consent_code";
    public const string ConsentKeywordFunction = "herald_consent_keyword";
    /// <summary>Positional: ?1 team, ?2 recipient, ?3 occurred_at, ?4 state code, ?5 keyword; the event is the one just inserted.</summary>
    public const string InsertConsentChange = """
        INSERT INTO consent_changes (team_id, recipient, occurred_at, state, event_ref, keyword)
        VALUES (?1, ?2, ?3, ?4, last_insert_rowid(), ?5) ON CONFLICT DO NOTHING
        """;
    /// <summary>A change recorded through the API (migration 30): no event, so event_ref 0; a repeat of the same change is a no-op.</summary>
    public const string InsertRecordedConsentChange = """
        INSERT INTO consent_changes (team_id, recipient, occurred_at, state, event_ref, keyword, source)
        VALUES ($team, $recipient, $at, $state, 0, '', $source) ON CONFLICT DO NOTHING
        """;
    /// <summary>A contact's changes (help included) in replay order: time, then restriction.</summary>
    public const string SelectContactConsent = """
        SELECT occurred_at, state, keyword, source FROM consent_changes
        WHERE team_id = $team AND recipient = $recipient AND occurred_at < $until
        ORDER BY occurred_at, state, event_ref
        """;
    /// <summary>
    /// Contacts by their state at $to: per contact the last state change before $to (time, then restriction: the max of
    /// occurred_at * 4 + state), counted per state. One pass over the team's part of the primary key.
    /// </summary>
    public const string SelectConsentStates = """
        SELECT m % 4, COUNT(*) FROM (
            SELECT MAX(occurred_at * 4 + state) AS m FROM consent_changes
            WHERE team_id = $team AND state > 0 AND occurred_at < $to GROUP BY recipient)
        GROUP BY 1
        """;
    /// <summary>Keywords per state code (0 = help) in [$from, $to).</summary>
    public const string SelectConsentChangesInWindow = """
        SELECT state, COUNT(*) FROM consent_changes INDEXED BY ix_consent_changes_time
        WHERE team_id = $team AND occurred_at >= $from AND occurred_at < $to GROUP BY state
        """;
    /// <summary>Keywords per state code (0 = help) in [$from, $to), without the changes recorded through the API (event_ref 0).</summary>
    public const string SelectConsentKeywordsInWindow = """
        SELECT state, COUNT(*) FROM consent_changes INDEXED BY ix_consent_changes_time
        WHERE team_id = $team AND occurred_at >= $from AND occurred_at < $to AND event_ref > 0 GROUP BY state
        """;
    /// <summary>Every state change of a team (help left out), in replay order per recipient; ?1 = team.</summary>
    public const string SelectConsentChangesOfTeam = """
        SELECT recipient, occurred_at, state FROM consent_changes WHERE team_id = ?1 AND state > 0
        ORDER BY recipient, occurred_at, state, event_ref
        """;
    /// <summary>A team's items with earliest event in [?2, ?3), in time order, from the covering index (migration 16); ?1 = team.</summary>
    public const string SelectItemsByEarliest = """
        SELECT id, earliest_at, dimension_set_id, recipient FROM items INDEXED BY ix_items_earliest
        WHERE team_id = ?1 AND earliest_at >= ?2 AND earliest_at < ?3 ORDER BY earliest_at
        """;
    /// <summary>Item ids of stored rows ($ids: a JSON array of row ids), for examples.</summary>
    public const string SelectItemIdsByRef = "SELECT id, item_id FROM items WHERE id IN (SELECT value FROM json_each($ids))";

    // Compliance settings (migration 15).
    public const string ContactColumns = "recipient, time_zone, quiet_start, quiet_end, created_at, updated_at, city, tier, signed_up_at";
    /// <summary>Settings are replaced; an attribute only when its $set_ flag is 1 (migration 31).</summary>
    public const string UpsertContact = """
        INSERT INTO contacts (team_id, recipient, time_zone, quiet_start, quiet_end, created_at, updated_at, city, tier, signed_up_at)
        VALUES ($team, $recipient, $tz, $start, $end, $now, $now, $city, $tier, $signed_up)
        ON CONFLICT (team_id, recipient) DO UPDATE SET time_zone = excluded.time_zone, quiet_start = excluded.quiet_start,
            quiet_end = excluded.quiet_end, updated_at = excluded.updated_at,
            city = CASE WHEN $set_city THEN excluded.city ELSE contacts.city END,
            tier = CASE WHEN $set_tier THEN excluded.tier ELSE contacts.tier END,
            signed_up_at = CASE WHEN $set_signed_up THEN excluded.signed_up_at ELSE contacts.signed_up_at END
        RETURNING
        """ + " " + ContactColumns;
    public const string SelectContact = "SELECT " + ContactColumns + " FROM contacts WHERE team_id = $team AND recipient = $recipient";
    /// <summary>
    /// The contacts with settings or attributes of their own: a customer's row without any is only a customer.
    /// </summary>
    public const string SelectContacts = "SELECT " + ContactColumns + """
         FROM contacts WHERE team_id = $team
           AND (customer_id IS NULL OR time_zone IS NOT NULL OR quiet_start IS NOT NULL OR city IS NOT NULL OR tier IS NOT NULL OR signed_up_at IS NOT NULL)
         ORDER BY recipient
        """;
    /// <summary>A customer's contact, or one with attributes, keeps its row and forgets only its own settings; others are deleted.</summary>
    public const string DeleteContact = """
        UPDATE contacts SET time_zone = NULL, quiet_start = NULL, quiet_end = NULL
        WHERE team_id = $team AND recipient = $recipient AND (time_zone IS NOT NULL OR quiet_start IS NOT NULL)
          AND (customer_id IS NOT NULL OR city IS NOT NULL OR tier IS NOT NULL OR signed_up_at IS NOT NULL);
        DELETE FROM contacts WHERE team_id = $team AND recipient = $recipient
          AND customer_id IS NULL AND city IS NULL AND tier IS NULL AND signed_up_at IS NULL;
        """;
    public const string SelectComplianceSettings = "SELECT time_zone, quiet_start, quiet_end, updated_at FROM compliance_settings WHERE team_id = $team";
    public const string UpsertComplianceSettings = """
        INSERT INTO compliance_settings (team_id, time_zone, quiet_start, quiet_end, updated_at) VALUES ($team, $tz, $start, $end, $now)
        ON CONFLICT (team_id) DO UPDATE SET time_zone = excluded.time_zone, quiet_start = excluded.quiet_start,
            quiet_end = excluded.quiet_end, updated_at = excluded.updated_at
        """;
    // Inbound analytics read the partial text index (migration 11) alone: (team, time, sender) covers these counts, so
    // no event row (nor its text) is read; keyword classes come from consent_changes.
    public const string SelectInboundPerHour = """
        SELECT occurred_at / 3600000, COUNT(*) FROM events INDEXED BY ix_events_text
        WHERE team_id = $team AND text IS NOT NULL AND occurred_at >= $from AND occurred_at < $to
        GROUP BY occurred_at / 3600000
        """;
    public const string CountInboundSenders = """
        SELECT COUNT(DISTINCT recipient) FROM events INDEXED BY ix_events_text
        WHERE team_id = $team AND text IS NOT NULL AND occurred_at >= $from AND occurred_at < $to
        """;
    public const string SelectInboundTexts = """
        SELECT text FROM events INDEXED BY ix_events_text
        WHERE team_id = $team AND text IS NOT NULL AND occurred_at >= $from AND occurred_at < $to
        """;
    public const string SelectInboundSenders = """
        SELECT occurred_at, recipient FROM events INDEXED BY ix_events_text
        WHERE team_id = $team AND text IS NOT NULL AND occurred_at >= $from AND occurred_at < $to AND recipient IS NOT NULL
        """;
    /// <summary>
    /// Texts that may be short enough to be a keyword that came without a sender (the writer records no consent for them):
    /// a sealed text's length in characters is known only once opened, so its bytes bound it here and the caller checks it.
    /// </summary>
    public const string SelectShortTextsWithoutSender = """
        SELECT text FROM events INDEXED BY ix_events_text
        WHERE team_id = $team AND text IS NOT NULL AND occurred_at >= $from AND occurred_at < $to
          AND recipient IS NULL AND length(text) <= CASE typeof(text) WHEN 'blob' THEN $max_sealed_bytes ELSE $max_length END
        """;
}
