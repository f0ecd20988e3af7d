namespace Herald.Storage.Sqlite.Migrations;

// Version 34: the call logs of deliveries' calls to customers (Twilio Voice). call_sid is unique across teams, as
// Twilio's are; a status callback finds its call by it. webhook_events is a JSON array of the raw callbacks, capped
// per call by the code that appends to it.
internal static class V034CallLogs
{
    public static readonly Migration Migration = new(34, "call logs of deliveries' calls",
        """
        CREATE TABLE call_logs (
            id INTEGER PRIMARY KEY,
            public_id TEXT NOT NULL UNIQUE,
            team_id INTEGER NOT NULL REFERENCES teams(id),
            delivery_id INTEGER NOT NULL REFERENCES deliveries(id),
            customer_id TEXT NOT NULL,
            call_sid TEXT NOT NULL UNIQUE,
            status TEXT NOT NULL,
            from_number TEXT NOT NULL,
            to_number TEXT NOT NULL,
            direction TEXT NOT NULL,
            start_time INTEGER,
            end_time INTEGER,
            duration INTEGER,
            recording_url TEXT,
            recording_duration INTEGER,
            transcription TEXT,
            ai_analysis TEXT,
            error_code TEXT,
            error_message TEXT,
            retry_count INTEGER NOT NULL,
            webhook_events TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL);
        CREATE INDEX ix_call_logs_team ON call_logs(team_id, id);
        CREATE INDEX ix_call_logs_delivery ON call_logs(team_id, delivery_id, id);
        CREATE INDEX ix_call_logs_customer ON call_logs(team_id, customer_id, id);
        """,
        """
        DROP TABLE call_logs;
        """);
}
