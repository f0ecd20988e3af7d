using System.CommandLine;
using System.Globalization;
using Herald.Audit;
using Herald.Maintenance;
using Herald.Storage;
using Herald.Storage.Sqlite;
using Spectre.Console;

namespace Herald.Cli;

/// <summary><c>herald audit verify [--archive FOLDER]</c>: walks the audit trail's hash chain (and its retention archives) and names the first entry that does not hold.</summary>
public static class AuditCommand
{
    public const int ChainBroken = 1;

    public static Command Create()
    {
        var command = new Command("audit", "Check the audit trail");
        var archive = new Option<string?>("--archive")
        {
            Description = "A folder of the audit trail's retention archives (audit-*.ndjson.gz): check that they chain into the kept entries too",
        };
        var verify = new Command("verify", "Walk the audit trail's hash chain; exit 1 and name the first bad entry if any was edited or removed") { archive };
        verify.SetAction(parse =>
        {
            using var store = MigrateCommand.OpenStore();
            store.MigrateUp();
            var result = store.VerifyAudit();
            if (!result.Intact)
            {
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"herald: audit trail broken at entry {result.FirstBadSeq}: {result.Problem} ({result.Checked - 1} entries before it hold)"));
                return ChainBroken;
            }
            AnsiConsole.MarkupLineInterpolated(
                $"[green]audit trail intact[/]: {result.Checked} entries{(result.FirstSeq is { } f ? $", {f}..{result.LastSeq}" : "")}");
            // Retention removes a prefix: the oldest kept entry's previous hash is taken as given, unless the archives are checked.
            if (result.FirstSeq is > 1 && parse.GetValue(archive) is null)
                AnsiConsole.MarkupLineInterpolated($"entries before {result.FirstSeq} were removed by retention; check their archives with --archive FOLDER");
            if (parse.GetValue(archive) is not { } folder) return 0;
            if (!Directory.Exists(folder))
            {
                Console.Error.WriteLine($"herald: --archive: no folder {folder}");
                return 2;
            }
            var archived = AuditArchives.Read(Directory.EnumerateFiles(folder, AuditMaintenance.Collection + "-*" + ArchiveNames.Extension));
            var firstKept = result.FirstSeq is { } first
                ? store.ReadAudit(new AuditQuery(null, null, null, null, null, null, first + 1, 1)).SingleOrDefault()
                : null;
            var joined = AuditArchives.Verify(archived, firstKept);
            if (!joined.Intact)
            {
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"herald: archived audit trail broken at entry {joined.FirstBadSeq}: {joined.Problem}"));
                return ChainBroken;
            }
            if (archived.Count == 0) AnsiConsole.MarkupLineInterpolated($"no archived audit entries in {folder}");
            else AnsiConsole.MarkupLineInterpolated($"[green]archived entries intact[/]: {joined.Checked} entries, {joined.FirstSeq}..{joined.LastSeq}, chained into entry {result.FirstSeq}");
            return 0;
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
