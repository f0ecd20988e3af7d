namespace Herald.Storage.Sqlite;

internal static partial class SqliteSql
{
    // Contacts: the distinct recipients of a team's items (the partial recipient index of migration 2).
    public const string CountRecipients = "SELECT COUNT(DISTINCT recipient) FROM items WHERE team_id = $team AND recipient IS NOT NULL";
    public const string RecipientKnown = "SELECT EXISTS (SELECT 1 FROM items WHERE team_id = $team AND recipient = $recipient)";
}
