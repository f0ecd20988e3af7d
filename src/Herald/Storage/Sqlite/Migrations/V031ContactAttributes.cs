namespace Herald.Storage.Sqlite.Migrations;

// Version 31: a contact's optional attributes for user demographics (seed 003): its city, its tier (premium, standard,
// trial, ...) and when it signed up. A contact row may now hold attributes without settings of its own.
internal static class V031ContactAttributes
{
    public static readonly Migration Migration = new(31, "contacts: city, tier and sign-up time",
        """
        ALTER TABLE contacts ADD COLUMN city TEXT;
        ALTER TABLE contacts ADD COLUMN tier TEXT;
        ALTER TABLE contacts ADD COLUMN signed_up_at INTEGER;
        """,
        """
        DELETE FROM contacts WHERE time_zone IS NULL AND quiet_start IS NULL AND (city IS NOT NULL OR tier IS NOT NULL OR signed_up_at IS NOT NULL);
        ALTER TABLE contacts DROP COLUMN signed_up_at;
        ALTER TABLE contacts DROP COLUMN tier;
        ALTER TABLE contacts DROP COLUMN city;
        """);
}
