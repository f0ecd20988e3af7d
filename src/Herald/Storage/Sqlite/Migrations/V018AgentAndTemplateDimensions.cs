namespace Herald.Storage.Sqlite.Migrations;

// Version 18: two more dimensions, agent (who carried a parcel attempt) and template (what a message was sent with).
// A dimension set is unique over every dimension, so the unique index is rebuilt with the two new columns.
internal static class V018AgentAndTemplateDimensions
{
    public static readonly Migration Migration = new(18, "agent and template dimensions",
        """
        ALTER TABLE dimension_sets ADD COLUMN agent TEXT;
        ALTER TABLE dimension_sets ADD COLUMN template TEXT;
        DROP INDEX ux_dimension_sets;
        CREATE UNIQUE INDEX ux_dimension_sets ON dimension_sets(team_id, kind,
            IFNULL(account, ''), IFNULL(channel, ''), IFNULL(provider, ''), IFNULL(route, ''),
            IFNULL(campaign, ''), IFNULL(country, ''), IFNULL(direction, ''), IFNULL(agent, ''), IFNULL(template, ''));
        """,
        // Reverting fails while a set differs from another only by agent or template (the narrower index would not be
        // unique): such a store has data the older schema cannot hold.
        """
        DROP INDEX ux_dimension_sets;
        CREATE UNIQUE INDEX ux_dimension_sets ON dimension_sets(team_id, kind,
            IFNULL(account, ''), IFNULL(channel, ''), IFNULL(provider, ''), IFNULL(route, ''),
            IFNULL(campaign, ''), IFNULL(country, ''), IFNULL(direction, ''));
        ALTER TABLE dimension_sets DROP COLUMN template;
        ALTER TABLE dimension_sets DROP COLUMN agent;
        """);
}
