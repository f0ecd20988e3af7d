namespace Herald.Storage.Sqlite.Migrations;

// Version 19: API keys gain a description, their environment, who created them, and an active flag that turns a key off
// without revoking it.
internal static class V019ApiKeyDetails
{
    public static readonly Migration Migration = new(19, "api keys: description, environment, created_by, is_active",
        """
        ALTER TABLE api_keys ADD COLUMN description TEXT;
        ALTER TABLE api_keys ADD COLUMN environment TEXT NOT NULL DEFAULT 'development';
        ALTER TABLE api_keys ADD COLUMN created_by TEXT;
        ALTER TABLE api_keys ADD COLUMN is_active INTEGER NOT NULL DEFAULT 1;
        """,
        """
        ALTER TABLE api_keys DROP COLUMN is_active;
        ALTER TABLE api_keys DROP COLUMN created_by;
        ALTER TABLE api_keys DROP COLUMN environment;
        ALTER TABLE api_keys DROP COLUMN description;
        """);
}
