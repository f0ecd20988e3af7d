namespace Herald.Storage.Postgres.Migrations;

// Version 3: field encryption on PostgreSQL, as SQLite's version 43 has it. The data keys (wrapped by the master key,
// which is never stored here; cluster-wide, like teams). Webhook secrets and message bodies get sealed columns of their
// own (bytea) beside the text ones, which keep only values written before this version until the start seals them; the
// partial index finds those few without reading the events table.
internal static class V003FieldEncryption
{
    public static readonly Migration Migration = new(3, "field encryption: data keys, sealed secrets and message bodies",
        """
        CREATE TABLE data_keys (
            id integer PRIMARY KEY,
            purpose text NOT NULL,
            wrapped bytea NOT NULL,
            master_key_id text NOT NULL,
            created_at bigint NOT NULL,
            rewrapped_at bigint);
        ALTER TABLE webhook_secrets ADD COLUMN secret_sealed bytea, ADD COLUMN verify_token_sealed bytea;
        ALTER TABLE events ADD COLUMN text_sealed bytea;
        CREATE INDEX ix_events_plain_text ON events (team_id, id) WHERE text IS NOT NULL;
        """,
        """
        DROP INDEX ix_events_plain_text;
        ALTER TABLE events DROP COLUMN text_sealed;
        ALTER TABLE webhook_secrets DROP COLUMN verify_token_sealed, DROP COLUMN secret_sealed;
        DROP TABLE data_keys;
        """);
}
