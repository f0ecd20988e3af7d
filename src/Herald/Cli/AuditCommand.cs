using System.CommandLine;
using System.Globalization;
using Herald.Storage;
using Herald.Storage.Sqlite;
using Spectre.Console;

namespace Herald.Cli;

/// <summary><c>herald audit verify</c>: walks the audit trail's hash chain and names the first entry that does not hold.</summary>
public static class AuditCommand
{
    public const int ChainBroken = 1;

    public static Command Create()
    {
        var command = new Command("audit", "Check the audit trail");
        var verify = new Command("verify", "Walk the audit trail's hash chain; exit 1 and name the first bad entry if any was edited or removed");
        verify.SetAction(_ =>
        {
            using var store = MigrateCommand.OpenStore();
            store.MigrateUp();
            var result = store.VerifyAudit();
            if (result.Intact)
            {
                AnsiConsole.MarkupLineInterpolated(
                    $"[green]audit trail intact[/]: {result.Checked} entries{(result.FirstSeq is { } f ? $", {f}..{result.LastSeq}" : "")}");
                return 0;
            }
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"herald: audit trail broken at entry {result.FirstBadSeq}: {result.Problem} ({result.Checked - 1} entries before it hold)"));
            return ChainBroken;
        });
        command.Subcommands.Add(verify);
        return command;
    }

    /// <summary>Records a schema change, unless it removed the audit trail's own table.</summary>
    public static void RecordIfKept(SqliteStore store, string direction, IReadOnlyList<Migration> changed)
    {
        if (!store.MigrationStatus().Any(m => m.Version == AuditTrailVersion && m.Applied)) return;
        Record(store, direction, "migrations", string.Join(',', changed.Select(m => m.Version.ToString(CultureInfo.InvariantCulture))), null, 0);
    }

    private const int AuditTrailVersion = 41;

    /// <summary>Records an admin action taken on the command line (actor <c>cli</c>).</summary>
    public static void Record(SqliteStore store, string action, string resourceType, string? resourceId, int? teamId, int exitCode,
        IReadOnlyList<string>? changes = null) =>
        store.AppendAudit([new AuditEntry(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), teamId, "cli", null, action, resourceType, resourceId, exitCode, changes)]);
}
