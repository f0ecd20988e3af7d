namespace Herald.Storage.Sqlite.Migrations;

// Version 18: two more dimensions, agent (who carried a parcel attempt) and template (what a message was sent with).
// A dimension set is unique over every dimension, so the unique index is rebuilt with the two new columns.
// Reverting cannot make the narrower index unique while sets differ only by agent or template, so it keeps their values
// in a side table and indexes the narrower columns without uniqueness (the writer's registry dedupes in memory); the next
// upgrade puts the values back.
internal static class V018AgentAndTemplateDimensions
{
    private const string NarrowColumns = """
        team_id, kind, IFNULL(account, ''), IFNULL(channel, ''), IFNULL(provider, ''), IFNULL(route, ''),
            IFNULL(campaign, ''), IFNULL(country, ''), IFNULL(direction, '')
        """;

    public static readonly Migration Migration = new(18, "agent and template dimensions",
        $"""
        ALTER TABLE dimension_sets ADD COLUMN agent TEXT;
        ALTER TABLE dimension_sets ADD COLUMN template TEXT;
        CREATE TABLE IF NOT EXISTS dimension_sets_reverted_v18 (id INTEGER PRIMARY KEY, agent TEXT, template TEXT);
        UPDATE dimension_sets SET agent = r.agent, template = r.template FROM dimension_sets_reverted_v18 r WHERE r.id = dimension_sets.id;
        DROP TABLE dimension_sets_reverted_v18;
        DROP INDEX IF EXISTS ix_dimension_sets_reverted_v18;
        DROP INDEX IF EXISTS ux_dimension_sets;
        CREATE UNIQUE INDEX ux_dimension_sets ON dimension_sets({NarrowColumns}, IFNULL(agent, ''), IFNULL(template, ''));
        """,
        $"""
        CREATE TABLE dimension_sets_reverted_v18 (id INTEGER PRIMARY KEY, agent TEXT, template TEXT);
        INSERT INTO dimension_sets_reverted_v18 SELECT id, agent, template FROM dimension_sets WHERE agent IS NOT NULL OR template IS NOT NULL;
        DROP INDEX ux_dimension_sets;
        ALTER TABLE dimension_sets DROP COLUMN template;
        ALTER TABLE dimension_sets DROP COLUMN agent;
        CREATE INDEX ix_dimension_sets_reverted_v18 ON dimension_sets({NarrowColumns});
        """);
}
