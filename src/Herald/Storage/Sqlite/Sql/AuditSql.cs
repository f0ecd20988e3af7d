namespace Herald.Storage.Sqlite;

internal static partial class SqliteSql
{
    // Audit trail (migration 41).
    public const string AuditColumns = "seq, at, team_id, actor, remote_ip, action, resource_type, resource_id, outcome, changes, prev_hash, hash";
    public const string SelectAuditTail = "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1";
    public const string InsertAudit = """
        INSERT INTO audit_log (seq, at, team_id, actor, remote_ip, action, resource_type, resource_id, outcome, changes, prev_hash, hash)
        VALUES ($seq, $at, $team, $actor, $ip, $action, $type, $id, $outcome, $changes, $prev, $hash)
        """;
    public const string SelectAuditChain = "SELECT " + AuditColumns + " FROM audit_log ORDER BY seq";
    public const string DropAuditDeleteGuard = "DROP TRIGGER audit_log_no_delete";
    public const string CreateAuditDeleteGuard =
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END";
}
