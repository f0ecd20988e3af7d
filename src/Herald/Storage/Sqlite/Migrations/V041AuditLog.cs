namespace Herald.Storage.Sqlite.Migrations;

// Version 41: the audit trail. Append-only and hash-chained: each row holds the hash of the row before it, so an edit or a
// deletion inside the kept range breaks the chain at that row. The triggers refuse ordinary updates and deletes; retention
// drops and recreates the delete guard inside its own transaction.
internal static class V041AuditLog
{
    public static readonly Migration Migration = new(41, "append-only, hash-chained audit trail",
        """
        CREATE TABLE audit_log (
            seq INTEGER PRIMARY KEY,
            at INTEGER NOT NULL,
            team_id INTEGER,
            actor TEXT NOT NULL,
            remote_ip TEXT,
            action TEXT NOT NULL,
            resource_type TEXT NOT NULL,
            resource_id TEXT,
            outcome INTEGER NOT NULL,
            changes TEXT,
            prev_hash BLOB NOT NULL,
            hash BLOB NOT NULL);
        CREATE INDEX ix_audit_log_team ON audit_log(team_id, seq);
        CREATE INDEX ix_audit_log_at ON audit_log(at);
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
        """,
        """
        DROP TABLE audit_log;
        """);
}
