namespace Herald.Storage.Sqlite.Migrations;

// Version 30: consent given outside SMS keywords (a signup form's opt-in, a web form's opt-out), recorded through the API
// into the same consent_changes timeline. Such a change has no event: its event_ref is 0, which the time index covers, so
// inbound analytics still count keywords alone; source names where it came from (NULL for a keyword).
internal static class V030ConsentSources
{
    public static readonly Migration Migration = new(30, "consent changes recorded through the API, with their source",
        "ALTER TABLE consent_changes ADD COLUMN source TEXT;",
        """
        DELETE FROM consent_changes WHERE event_ref = 0;
        ALTER TABLE consent_changes DROP COLUMN source;
        """);
}
