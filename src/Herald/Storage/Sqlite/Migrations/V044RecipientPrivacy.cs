namespace Herald.Storage.Sqlite.Migrations;

// Version 44: hashed recipients. The store records the form its recipients are written in (Herald:Privacy:Recipients),
// so a start with the other setting is refused instead of mixing numbers and HMACs. A customer's phone is sealed in its
// own column: with hashed recipients the contact row is keyed by the HMAC of the number, which the API cannot show.
internal static class V044RecipientPrivacy
{
    public static readonly Migration Migration = new(44, "hashed recipients: the store's recipient mode, customers' sealed phones",
        """
        CREATE TABLE store_settings (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at INTEGER NOT NULL) WITHOUT ROWID;
        ALTER TABLE contacts ADD COLUMN phone BLOB;
        """,
        """
        ALTER TABLE contacts DROP COLUMN phone;
        DROP TABLE store_settings;
        """);
}
