namespace Herald.Storage.Sqlite.Migrations;

// Version 21: customers are contacts. The contact row of a phone (its time zone, quiet hours, consent) gains the
// customer's id, name, email, address and delivery preferences, so one person is one record.
internal static class V021Customers
{
    public static readonly Migration Migration = new(21, "customers: contacts with a customer id, name and preferences",
        """
        ALTER TABLE contacts ADD COLUMN customer_id TEXT;
        ALTER TABLE contacts ADD COLUMN name TEXT;
        ALTER TABLE contacts ADD COLUMN email TEXT;
        ALTER TABLE contacts ADD COLUMN address TEXT;
        ALTER TABLE contacts ADD COLUMN preferences TEXT;
        ALTER TABLE contacts ADD COLUMN customer_since INTEGER;
        CREATE UNIQUE INDEX ux_contacts_customer ON contacts(customer_id) WHERE customer_id IS NOT NULL;
        CREATE INDEX ix_contacts_customers ON contacts(team_id, customer_since, customer_id) WHERE customer_id IS NOT NULL;
        """,
        """
        DROP INDEX ix_contacts_customers;
        DROP INDEX ux_contacts_customer;
        DELETE FROM contacts WHERE customer_id IS NOT NULL AND time_zone IS NULL AND quiet_start IS NULL;
        ALTER TABLE contacts DROP COLUMN customer_since;
        ALTER TABLE contacts DROP COLUMN preferences;
        ALTER TABLE contacts DROP COLUMN address;
        ALTER TABLE contacts DROP COLUMN email;
        ALTER TABLE contacts DROP COLUMN name;
        ALTER TABLE contacts DROP COLUMN customer_id;
        """);
}
