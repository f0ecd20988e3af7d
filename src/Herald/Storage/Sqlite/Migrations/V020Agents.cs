namespace Herald.Storage.Sqlite.Migrations;

// Version 20: delivery agents. Phone and email are unique among a team's agents that are not deleted (a deleted agent
// stays, so the deliveries it carried still name it). The positions of the agents that can take work (active, not
// deleted, located) live in an R*Tree, one degenerate box per agent with its team and exact position beside it, so "who is
// near" reads a few index pages and nothing else.
internal static class V020Agents
{
    public static readonly Migration Migration = new(20, "delivery agents and their positions",
        """
        CREATE TABLE agents (
            id INTEGER PRIMARY KEY,
            public_id TEXT NOT NULL UNIQUE,
            team_id INTEGER NOT NULL REFERENCES teams(id),
            name TEXT NOT NULL,
            phone TEXT NOT NULL,
            email TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL,
            is_active INTEGER NOT NULL,
            longitude REAL,
            latitude REAL,
            located_at INTEGER,
            push_subscription TEXT,
            last_login INTEGER,
            login_count INTEGER NOT NULL DEFAULT 0,
            failed_sign_ins INTEGER NOT NULL DEFAULT 0,
            locked_until INTEGER,
            credentials_version INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            deleted_at INTEGER);
        CREATE INDEX ix_agents_team ON agents(team_id);
        CREATE UNIQUE INDEX ux_agents_phone ON agents(team_id, phone) WHERE deleted_at IS NULL;
        CREATE UNIQUE INDEX ux_agents_email ON agents(team_id, email) WHERE deleted_at IS NULL;
        CREATE VIRTUAL TABLE agent_locations USING rtree(id, min_lon, max_lon, min_lat, max_lat, +team_id INTEGER, +longitude REAL, +latitude REAL);
        """,
        """
        DROP TABLE agent_locations;
        DROP TABLE agents;
        """);
}
