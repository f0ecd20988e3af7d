namespace Herald.Storage.Sqlite.Migrations;

// Version 42: the addresses an API key may be used from (comma-separated CIDRs; null: anywhere).
internal static class V042ApiKeyAllowedIps
{
    public static readonly Migration Migration = new(42, "API key IP allow-lists",
        "ALTER TABLE api_keys ADD COLUMN allowed_ips TEXT;",
        "ALTER TABLE api_keys DROP COLUMN allowed_ips;");
}
