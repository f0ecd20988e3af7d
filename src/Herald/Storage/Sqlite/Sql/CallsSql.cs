namespace Herald.Storage.Sqlite;

internal static partial class SqliteSql
{
    // ---- Call logs (migration 34) ----
    public const string CallColumns = """
        c.id, c.public_id, c.team_id, c.delivery_id, d.public_id, c.customer_id, c.call_sid, c.status, c.from_number, c.to_number, c.direction,
        c.start_time, c.end_time, c.duration, c.recording_url, c.recording_duration, c.transcription, c.ai_analysis, c.error_code,
        c.error_message, c.retry_count, c.webhook_events, c.created_at, c.updated_at
        """;
    public const string InsertCall = """
        INSERT INTO call_logs (public_id, team_id, delivery_id, customer_id, call_sid, status, from_number, to_number, direction, retry_count,
            webhook_events, created_at, updated_at)
        VALUES ($public_id, $team, $delivery, $customer, $sid, $status, $from, $to, $direction, $retries, $events, $now, $now)
        RETURNING id
        """;
    public const string SelectCall = $"SELECT {CallColumns} FROM call_logs c JOIN deliveries d ON d.id = c.delivery_id WHERE c.team_id = $team AND c.public_id = $public_id";
    public const string SelectCallBySid = $"SELECT {CallColumns} FROM call_logs c JOIN deliveries d ON d.id = c.delivery_id WHERE c.call_sid = $sid";
    public const string SelectCallById = $"SELECT {CallColumns} FROM call_logs c JOIN deliveries d ON d.id = c.delivery_id WHERE c.id = $id";
    public const string SelectCalls = $"""
        SELECT {CallColumns} FROM call_logs c JOIN deliveries d ON d.id = c.delivery_id
        WHERE c.team_id = $team AND ($delivery IS NULL OR c.delivery_id = $delivery) AND ($before IS NULL OR c.id < $before)
        ORDER BY c.id DESC LIMIT $limit
        """;
    public const string UpdateCall = """
        UPDATE call_logs SET status = $status, start_time = $start, end_time = $end, duration = $duration, error_code = $error_code,
            error_message = $error_message, webhook_events = $events, updated_at = $now
        WHERE id = $id
        """;
    public const string SetCallRecordingResults = """
        UPDATE call_logs SET recording_url = $url, recording_duration = $duration, transcription = $transcription, ai_analysis = $analysis,
            updated_at = $now WHERE id = $id
        """;
    public const string SelectCallHistory = """
        SELECT customer_id, public_id, created_at, status, duration FROM (
            SELECT customer_id, public_id, created_at, status, duration,
                row_number() OVER (PARTITION BY customer_id ORDER BY id DESC) AS n
            FROM call_logs WHERE team_id = $team AND customer_id IN (SELECT value FROM json_each($customers)))
        WHERE n <= $per_customer ORDER BY customer_id, created_at DESC
        """;

    // ---- Recordings (migration 35) ----
    public const string RecordingColumns = """
        r.id, r.public_id, r.team_id, r.call_log_id, c.public_id, r.delivery_id, d.public_id, r.recording_sid, r.source_url, r.audio_key,
        r.duration, r.file_size, r.format, r.transcription, r.ai_analysis, r.processing_status, r.processing_attempts, r.next_attempt_at,
        r.claimed_until, r.last_processed_at, r.error_message, r.access_count, r.last_accessed_at, r.created_at, r.updated_at
        """;
    public const string RecordingJoins = "recordings r JOIN call_logs c ON c.id = r.call_log_id JOIN deliveries d ON d.id = r.delivery_id";
    public const string InsertRecording = """
        INSERT INTO recordings (public_id, team_id, call_log_id, delivery_id, recording_sid, source_url, duration, processing_status,
            processing_attempts, next_attempt_at, access_count, created_at, updated_at)
        VALUES ($public_id, $team, $call, $delivery, $sid, $url, $duration, 'pending', 0, $now, 0, $now, $now)
        ON CONFLICT (call_log_id) DO NOTHING
        RETURNING id
        """;
    public const string SelectRecording = $"SELECT {RecordingColumns} FROM {RecordingJoins} WHERE r.team_id = $team AND r.public_id = $public_id";
    public const string SelectRecordingById = $"SELECT {RecordingColumns} FROM {RecordingJoins} WHERE r.id = $id";
    public const string SelectRecordingByCall = $"SELECT {RecordingColumns} FROM {RecordingJoins} WHERE r.call_log_id = $call";
    public const string SelectRecordings = $"""
        SELECT {RecordingColumns} FROM {RecordingJoins}
        WHERE r.team_id = $team AND ($status IS NULL OR r.processing_status = $status) AND ($delivery IS NULL OR r.delivery_id = $delivery)
            AND ($before IS NULL OR r.id < $before)
        ORDER BY r.id DESC LIMIT $limit
        """;
    public const string ClaimRecordings = """
        UPDATE recordings SET processing_status = 'processing', claimed_until = $lease, processing_attempts = processing_attempts + 1,
            last_processed_at = $now, updated_at = $now
        WHERE id IN (SELECT id FROM recordings
            WHERE (processing_status = 'pending' AND next_attempt_at <= $now) OR (processing_status = 'processing' AND claimed_until <= $now)
            ORDER BY next_attempt_at LIMIT $limit)
        RETURNING id
        """;
    public const string SelectRecordingsByIds = $"SELECT {RecordingColumns} FROM {RecordingJoins} WHERE r.id IN (SELECT value FROM json_each($ids)) ORDER BY r.next_attempt_at";
    public const string ReleaseRecordingClaims = """
        UPDATE recordings SET processing_status = 'pending', claimed_until = NULL, next_attempt_at = $now, updated_at = $now
        WHERE processing_status = 'processing'
        """;
    public const string NextRecordingDue = "SELECT min(next_attempt_at) FROM recordings WHERE processing_status = 'pending'";
    public const string SetRecordingAudio = """
        UPDATE recordings SET audio_key = $key, file_size = $size, format = $format, updated_at = $now WHERE id = $id
        """;
    public const string CompleteRecording = """
        UPDATE recordings SET processing_status = 'completed', transcription = $transcription, ai_analysis = $analysis, claimed_until = NULL,
            error_message = NULL, updated_at = $now WHERE id = $id
        """;
    public const string FailRecording = """
        UPDATE recordings SET processing_status = CASE WHEN $retry IS NULL THEN 'failed' ELSE 'pending' END,
            next_attempt_at = coalesce($retry, next_attempt_at), claimed_until = NULL, error_message = $error, updated_at = $now
        WHERE id = $id
        """;
    public const string ReprocessRecording = """
        UPDATE recordings SET processing_status = 'pending', processing_attempts = 0, next_attempt_at = $now, claimed_until = NULL,
            error_message = NULL, updated_at = $now
        WHERE id = $id AND processing_status <> 'processing'
        """;
    public const string CountRecordingAccess = """
        UPDATE recordings SET access_count = access_count + 1, last_accessed_at = $now WHERE id = $id
        """;
}
