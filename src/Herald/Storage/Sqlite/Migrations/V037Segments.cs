namespace Herald.Storage.Sqlite.Migrations;

// Version 37: segments (seed 003's "campaign effectiveness by segment"). A segment is a team's named rule, kept as its JSON:
// an explicit list of recipients or a filter on contact attributes. A declared campaign may name the segment it was sent to.
internal static class V037Segments
{
    public static readonly Migration Migration = new(37, "segments; a campaign's segment",
        """
        CREATE TABLE segments (
            team_id INTEGER NOT NULL REFERENCES teams(id),
            segment_id TEXT NOT NULL,
            name TEXT NOT NULL,
            rule TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (team_id, segment_id)) WITHOUT ROWID;
        ALTER TABLE campaigns ADD COLUMN segment_id TEXT;
        """,
        """
        ALTER TABLE campaigns DROP COLUMN segment_id;
        DROP TABLE segments;
        """);
}
