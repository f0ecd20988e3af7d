namespace Herald.Storage.Sqlite.Migrations;

// Version 35: call recordings and their processing queue. A row is its own job: pending rows whose next_attempt_at has
// come are claimed as processing until claimed_until; a claim whose lease ran out (its process died) is claimed again.
// One recording per call (the seed's unique call_log_id).
internal static class V035Recordings
{
    public static readonly Migration Migration = new(35, "call recordings and their processing queue",
        """
        CREATE TABLE recordings (
            id INTEGER PRIMARY KEY,
            public_id TEXT NOT NULL UNIQUE,
            team_id INTEGER NOT NULL REFERENCES teams(id),
            call_log_id INTEGER NOT NULL UNIQUE REFERENCES call_logs(id),
            delivery_id INTEGER NOT NULL REFERENCES deliveries(id),
            recording_sid TEXT NOT NULL,
            source_url TEXT NOT NULL,
            audio_key TEXT,
            duration INTEGER NOT NULL,
            file_size INTEGER,
            format TEXT,
            transcription TEXT,
            ai_analysis TEXT,
            processing_status TEXT NOT NULL,
            processing_attempts INTEGER NOT NULL,
            next_attempt_at INTEGER NOT NULL,
            claimed_until INTEGER,
            last_processed_at INTEGER,
            error_message TEXT,
            access_count INTEGER NOT NULL,
            last_accessed_at INTEGER,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL);
        CREATE INDEX ix_recordings_team ON recordings(team_id, id);
        CREATE INDEX ix_recordings_delivery ON recordings(team_id, delivery_id, id);
        CREATE INDEX ix_recordings_queue ON recordings(processing_status, next_attempt_at);
        """,
        """
        DROP TABLE recordings;
        """);
}
