namespace Herald.Storage.Sqlite.Migrations;

// Version 43: field encryption. The data keys, wrapped by the master key (which is never stored here). Agents' phone and
// email are sealed, so their uniqueness and the sign-in lookups move onto blind indexes (keyed HMACs) of the values;
// the start's upgrade step fills them for rows written before this version.
internal static class V043FieldEncryption
{
    public static readonly Migration Migration = new(43, "field encryption: data keys and blind indexes",
        """
        CREATE TABLE data_keys (
            id INTEGER PRIMARY KEY,
            purpose TEXT NOT NULL,
            wrapped BLOB NOT NULL,
            master_key_id TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            rewrapped_at INTEGER);
        ALTER TABLE agents ADD COLUMN phone_index BLOB;
        ALTER TABLE agents ADD COLUMN email_index BLOB;
        DROP INDEX ux_agents_phone;
        DROP INDEX ux_agents_email;
        CREATE UNIQUE INDEX ux_agents_phone_index ON agents(team_id, phone_index) WHERE deleted_at IS NULL;
        CREATE UNIQUE INDEX ux_agents_email_index ON agents(team_id, email_index) WHERE deleted_at IS NULL;
        """,
        """
        DROP INDEX ux_agents_email_index;
        DROP INDEX ux_agents_phone_index;
        ALTER TABLE agents DROP COLUMN email_index;
        ALTER TABLE agents DROP COLUMN phone_index;
        CREATE UNIQUE INDEX ux_agents_phone ON agents(team_id, phone) WHERE deleted_at IS NULL;
        CREATE UNIQUE INDEX ux_agents_email ON agents(team_id, email) WHERE deleted_at IS NULL;
        DROP TABLE data_keys;
        """);
}
