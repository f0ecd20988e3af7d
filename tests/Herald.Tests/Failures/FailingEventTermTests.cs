using System.Text.RegularExpressions;
using Herald.Domain;
using Herald.Storage.Sqlite;
using Herald.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Herald.Tests.Failures;

/// <summary>
/// The failure statuses are one list (the domain's); the runtime SQL is built from it and must equal the WHERE that migration 5
/// created ix_events_failures with, or SQLite silently stops using the partial index.
/// </summary>
public sealed partial class FailingEventTermTests
{
    [GeneratedRegex(@"\bWHERE\s+(.+?)\s*;?\s*$", RegexOptions.Singleline)]
    private static partial Regex IndexCondition();

    [GeneratedRegex(@"status IN \(([0-9, ]+)\)")]
    private static partial Regex StatusList();

    [Fact]
    public void The_domain_list_is_every_kinds_failure_statuses()
    {
        Assert.Equal(["failed", "undelivered", "expired", "busy", "no-answer", "canceled", "cancelled"], StatusLattice.FailureStatuses.Select(Statuses.Name));
        var failingForSomeKind = Enumerable.Range(1, Statuses.CodeLimit - 1).Select(c => (Status)c)
            .Where(s => ItemKinds.All.Any(k => StatusLattice.Allows(k, s) && StatusLattice.OutcomeOf(k, s) == Outcome.Failed));
        Assert.Equal(failingForSomeKind, StatusLattice.FailureStatuses);
        Assert.Equal([Status.Failed, Status.Undelivered, Status.Expired], StatusLattice.FailureStatusesOf(ItemKind.Message));
    }

    [Fact]
    public void The_runtime_term_is_the_partial_index_condition_of_migration_5_and_the_domain_list()
    {
        using var temp = new TempStore("failing-term");
        string indexSql = Scalar(temp.Store.Path, "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'ix_events_failures'");
        string created = Normalize(IndexCondition().Match(indexSql).Groups[1].Value);
        Assert.Equal("error_code IS NOT NULL OR status IN (3, 4, 5, 11, 12, 13, 19)", created);

        string runtime = FailingEventSql.Term;
        Assert.Equal("(" + created.Replace("error_code", "e.error_code").Replace("status IN", "e.status IN") + ")", runtime);
        var codes = StatusList().Match(runtime).Groups[1].Value.Split(", ").Select(int.Parse);
        Assert.Equal(StatusLattice.FailureStatuses.Select(s => (int)s), codes);
    }

    [Fact]
    public void SQLite_takes_the_partial_index_for_the_runtime_term_and_refuses_it_for_any_other_list()
    {
        using var temp = new TempStore("failing-index");
        const string Scan = "SELECT COUNT(*) FROM events e INDEXED BY ix_events_failures WHERE e.team_id = 1 AND ";
        Assert.Equal("0", Scalar(temp.Store.Path, Scan + FailingEventSql.Term));

        // A list one status short: the index's condition is no longer implied, and INDEXED BY makes SQLite say so.
        string shorter = FailingEventSql.Term.Replace(", 19)", ")");
        Assert.NotEqual(FailingEventSql.Term, shorter);
        var refused = Assert.Throws<SqliteException>(() => Scalar(temp.Store.Path, Scan + shorter));
        Assert.Contains("no query solution", refused.Message);
    }

    private static string Normalize(string sql) => Regex.Replace(sql, @"\s+", " ").Trim();

    private static string Scalar(string path, string sql)
    {
        using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToString(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture)!;
    }
}
