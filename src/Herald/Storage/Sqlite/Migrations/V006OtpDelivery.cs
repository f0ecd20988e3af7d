namespace Herald.Storage.Sqlite.Migrations;

internal static class V006OtpDelivery
{
    public static readonly Migration Migration = new(6, "otp delivery: service configurations, one-time codes, delivery attempts",
        """
        CREATE TABLE otp_services (
            id INTEGER PRIMARY KEY,
            team_id INTEGER NOT NULL REFERENCES teams(id),
            name TEXT NOT NULL,
            sender TEXT NOT NULL,
            channels TEXT NOT NULL,
            enabled INTEGER NOT NULL,
            priority INTEGER NOT NULL,
            settings TEXT NOT NULL,
            marked_down INTEGER NOT NULL DEFAULT 0,
            last_validated_at INTEGER,
            validation_ok INTEGER,
            validation_error TEXT,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            UNIQUE (team_id, name));
        CREATE TABLE otps (
            id INTEGER PRIMARY KEY,
            team_id INTEGER NOT NULL REFERENCES teams(id),
            delivery_id TEXT NOT NULL UNIQUE,
            user_id TEXT NOT NULL,
            recipient TEXT NOT NULL,
            delivery_method TEXT NOT NULL,
            code_hash BLOB NOT NULL,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            delivery_status TEXT NOT NULL,
            delivery_service TEXT,
            last_delivery_attempt INTEGER,
            verify_attempts INTEGER NOT NULL DEFAULT 0,
            verified_at INTEGER);
        CREATE INDEX ix_otps_user ON otps(team_id, user_id, created_at DESC);
        CREATE INDEX ix_otps_team_created ON otps(team_id, created_at);
        CREATE INDEX ix_otps_expires ON otps(expires_at);
        CREATE TABLE otp_attempts (
            id INTEGER PRIMARY KEY,
            team_id INTEGER NOT NULL,
            delivery_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            service TEXT NOT NULL,
            method TEXT NOT NULL,
            item_id TEXT NOT NULL,
            started_at INTEGER NOT NULL,
            completed_at INTEGER NOT NULL,
            success INTEGER NOT NULL,
            provider_message_id TEXT,
            error_code TEXT,
            error_message TEXT,
            response_ms REAL NOT NULL,
            UNIQUE (delivery_id, attempt));
        CREATE INDEX ix_otp_attempts_started ON otp_attempts(started_at);
        CREATE INDEX ix_otp_attempts_team_started ON otp_attempts(team_id, started_at);
        CREATE INDEX ix_otp_attempts_user ON otp_attempts(team_id, user_id, started_at DESC);
        """,
        """
        DROP TABLE otp_attempts;
        DROP TABLE otps;
        DROP TABLE otp_services;
        """);
}
