namespace Herald.Storage.Sqlite.Migrations;

// Only events with a text (inbound messages) enter these; the keyword index only short texts, as keywords are one word.
internal static class V011ConsentAndInbound
{
    public static readonly Migration Migration = new(11, "consent and inbound: indexes of inbound texts",
        """
        CREATE INDEX ix_events_text ON events(team_id, occurred_at, recipient) WHERE text IS NOT NULL;
        CREATE INDEX ix_events_keywords ON events(team_id, recipient, occurred_at, text) WHERE text IS NOT NULL AND length(text) <= 32;
        """,
        """
        DROP INDEX ix_events_keywords;
        DROP INDEX ix_events_text;
        """);
}
