namespace Herald.Storage.Postgres.Migrations;

/// <summary>
/// PostgreSQL's schema versions, a sequence of its own (version 1 here is not SQLite's version 1): each PostgreSQL
/// migration brings in the tables of the features ported so far, in PostgreSQL's SQL. A table that belongs to one team
/// has the team first in its primary key and every unique key, so the schema can be distributed by team (docs/SCALING.md).
/// </summary>
internal static class PostgresMigrations
{
    public static readonly IReadOnlyList<Migration> All =
    [
        V001Directory.Migration,
        V002Engine.Migration,
        V003FieldEncryption.Migration,
    ];
}
