namespace Herald.Storage.Sqlite.Migrations;

// Version 14: consent kept at write time. The writer records every keyword inbound (STOP, START, HELP, ...) in the
// transaction of its raw event; the backfill classifies the stored short texts with the same C# function
// (herald_consent_code, registered on the migrating connection), after which the raw keyword index has no reader.
// State codes: 0 help, 1 opt-in, 2 opt-out, 3 stopped (by restriction: at equal times the higher code wins).
internal static class V014Consent
{
    public static readonly Migration Migration = new(14, "consent: keyword changes per contact, kept by the writer; backfilled from the raw events",
        """
        CREATE TABLE consent_changes (
            team_id INTEGER NOT NULL,
            recipient TEXT NOT NULL,
            occurred_at INTEGER NOT NULL,
            state INTEGER NOT NULL,
            event_ref INTEGER NOT NULL,
            keyword TEXT NOT NULL,
            PRIMARY KEY (team_id, recipient, occurred_at, state, event_ref)) WITHOUT ROWID;
        CREATE INDEX ix_consent_changes_time ON consent_changes(team_id, occurred_at, state);
        INSERT INTO consent_changes (team_id, recipient, occurred_at, state, event_ref, keyword)
            SELECT team_id, recipient, occurred_at, herald_consent_code(text), id, herald_consent_keyword(text)
            FROM events INDEXED BY ix_events_keywords
            WHERE text IS NOT NULL AND length(text) <= 32 AND recipient IS NOT NULL AND herald_consent_code(text) IS NOT NULL;
        DROP INDEX ix_events_keywords;
        """,
        """
        CREATE INDEX ix_events_keywords ON events(team_id, recipient, occurred_at, text) WHERE text IS NOT NULL AND length(text) <= 32;
        DROP TABLE consent_changes;
        """);
}
