namespace Herald.Storage.Sqlite.Migrations;

internal static class V009Accounts
{
    public static readonly Migration Migration = new(9, "accounts: when the credit balance was last stated",
        """
        ALTER TABLE accounts ADD COLUMN balance_set_at INTEGER;
        UPDATE accounts SET balance_set_at = created_at WHERE credit_balance IS NOT NULL;
        """,
        """
        ALTER TABLE accounts DROP COLUMN balance_set_at;
        """);
}
