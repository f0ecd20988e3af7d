namespace Herald.Storage.Sqlite.Migrations;

internal static class V001Directory
{
    public static readonly Migration Migration = new(1, "directory: teams, accounts, api keys",
        """
        CREATE TABLE teams (
            id INTEGER PRIMARY KEY,
            public_id TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL UNIQUE,
            webhook_token TEXT NOT NULL UNIQUE,
            created_at INTEGER NOT NULL);
        CREATE TABLE accounts (
            id INTEGER PRIMARY KEY,
            team_id INTEGER NOT NULL REFERENCES teams(id),
            name TEXT NOT NULL,
            tps_limit REAL,
            credit_balance REAL,
            created_at INTEGER NOT NULL,
            UNIQUE (team_id, name));
        CREATE TABLE api_keys (
            id INTEGER PRIMARY KEY,
            public_id TEXT NOT NULL UNIQUE,
            team_id INTEGER REFERENCES teams(id),
            name TEXT NOT NULL,
            key_hash BLOB NOT NULL UNIQUE,
            prefix TEXT NOT NULL,
            scopes TEXT NOT NULL,
            rate_limit_requests INTEGER,
            rate_limit_period_ms INTEGER,
            expires_at INTEGER,
            revoked_at INTEGER,
            last_used_at INTEGER,
            usage_count INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL);
        CREATE INDEX ix_api_keys_team ON api_keys(team_id);
        """,
        """
        DROP TABLE api_keys;
        DROP TABLE accounts;
        DROP TABLE teams;
        """);
}
