using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Herald.Hosting;
using Herald.Storage;
using Herald.Storage.Postgres;
using Herald.Storage.Sqlite;
using Spectre.Console;

namespace Herald.Cli;

/// <summary><c>herald migrate up|down|status [--to N]</c>: the store's versioned schema; <c>herald migrate create NAME</c> starts a new version.</summary>
public static class MigrateCommand
{
    public static Command Create()
    {
        var command = new Command("migrate", "Apply, revert or list schema migrations");
        var upTo = new Option<int?>("--to") { Description = "Stop at this version (default: the newest)" };
        var up = new Command("up", "Apply pending migrations") { upTo };
        up.SetAction(parse =>
        {
            using var store = OpenSchema(out _);
            var applied = store.MigrateUp(parse.GetValue(upTo));
            foreach (var m in applied) AnsiConsole.MarkupLineInterpolated($"[green]applied[/] {m.Version}: {m.Name}");
            if (applied.Count == 0) AnsiConsole.WriteLine("nothing to apply: the schema is up to date");
            else if (store is SqliteStore sqlite) AuditCommand.RecordIfKept(sqlite, "up", applied);
            return 0;
        });
        var downTo = new Option<int?>("--to") { Description = "Revert every migration above this version (default: only the newest)" };
        var down = new Command("down", "Revert migrations (drops their tables and data)") { downTo };
        down.SetAction(parse =>
        {
            using var store = OpenSchema(out _);
            var reverted = store.MigrateDown(parse.GetValue(downTo));
            foreach (var m in reverted) AnsiConsole.MarkupLineInterpolated($"[yellow]reverted[/] {m.Version}: {m.Name}");
            if (reverted.Count == 0) AnsiConsole.WriteLine("nothing to revert");
            else if (store is SqliteStore sqlite) AuditCommand.RecordIfKept(sqlite, "down", reverted);
            return 0;
        });
        var status = new Command("status", "List migrations and whether each is applied");
        status.SetAction(_ =>
        {
            using var store = OpenSchema(out string where);
            var table = new Table().AddColumns("version", "name", "applied");
            foreach (var m in store.MigrationStatus())
                table.AddRow(m.Version.ToString(), m.Name, m.AppliedAtMs is { } t ? DateTimeOffset.FromUnixTimeMilliseconds(t).ToString("u") : "[grey]pending[/]");
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLineInterpolated($"store: {where}");
            return 0;
        });
        command.Subcommands.Add(up);
        command.Subcommands.Add(down);
        command.Subcommands.Add(status);
        command.Subcommands.Add(CreateCommand());
        return command;
    }

    /// <summary>Where the project keeps its SQLite migrations, from the root of a checkout.</summary>
    public static readonly string MigrationsFolder = Path.Combine("src", "Herald", "Storage", "Sqlite", "Migrations");
    public const string RegistryFile = "SqliteMigrations.cs";
    private static readonly Regex VersionFile = new(@"^V(\d{3,})[A-Za-z0-9]*\.cs$");
    private static readonly Regex MigrationName = new("^[A-Za-z][A-Za-z0-9]*([_-][A-Za-z0-9]+)*$");

    private static Command CreateCommand()
    {
        var name = new Argument<string>("name") { Description = "What the migration does, in words joined by _ or - (add_delivery_priority)" };
        var dir = new Option<string?>("--dir") { Description = $"The migrations folder (default: {MigrationsFolder} in the current directory or above it)" };
        var create = new Command("create", "Write a new empty migration (up and down) as the next version, registered, and print its path") { name, dir };
        create.SetAction(parse =>
        {
            string text = parse.GetValue(name)!;
            if (!MigrationName.IsMatch(text) || text.Length > 80)
            {
                Console.Error.WriteLine($"'{text}' is not a migration name: letters and digits in words joined by _ or -, like add_delivery_priority");
                return 2;
            }
            string? folder = parse.GetValue(dir) ?? FindMigrationsFolder(Directory.GetCurrentDirectory());
            if (folder is null || !Directory.Exists(folder))
            {
                Console.Error.WriteLine($"no migrations folder: run this in a checkout (it looks for {MigrationsFolder} here and above) or name it with --dir");
                return 2;
            }
            string registry = Path.Combine(folder, RegistryFile);
            if (!File.Exists(registry))
            {
                Console.Error.WriteLine($"{folder} has no {RegistryFile}: it is not the migrations folder");
                return 2;
            }
            int version = 1 + Directory.EnumerateFiles(folder, "V*.cs")
                .Select(f => VersionFile.Match(Path.GetFileName(f))).Where(m => m.Success)
                .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();
            string words = string.Join(' ', text.Split('_', '-').Select(w => w.ToLowerInvariant()));
            string className = $"V{version:D3}" + string.Concat(text.Split('_', '-').Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
            string path = Path.GetFullPath(Path.Combine(folder, className + ".cs"));
            File.WriteAllText(path, Template(version, className, words), new UTF8Encoding(false));
            Register(registry, className);
            Console.WriteLine(path);
            return 0;
        });
        return create;
    }

    /// <summary>The folder the project keeps its migrations in, from a directory of a checkout; null outside one.</summary>
    public static string? FindMigrationsFolder(string start)
    {
        for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            if (Directory.Exists(Path.Combine(d.FullName, MigrationsFolder))) return Path.Combine(d.FullName, MigrationsFolder);
        return null;
    }

    private static string Template(int version, string className, string words) => $$""""
        namespace Herald.Storage.Sqlite.Migrations;

        // Version {{version}}: {{words}}.
        internal static class {{className}}
        {
            public static readonly Migration Migration = new({{version}}, "{{words}}",
                """
                -- up: the schema change, in SQLite's SQL
                """,
                """
                -- down: what undoes it
                """);
        }

        """";

    /// <summary>Adds the migration as the last entry of the list in SqliteMigrations.cs.</summary>
    private static void Register(string registry, string className)
    {
        var lines = File.ReadAllLines(registry).ToList();
        int end = lines.FindLastIndex(l => l.Trim() == "];");
        if (end < 0) throw new InvalidOperationException($"{registry} has no migration list ending in '];'");
        lines.Insert(end, $"        {className}.Migration,");
        File.WriteAllLines(registry, lines, new UTF8Encoding(false));
    }

    /// <summary>The SQLite store, for the commands that have not come to PostgreSQL yet (they refuse to run on it).</summary>
    internal static SqliteStore OpenStore()
    {
        var options = HeraldConfiguration.Options(HeraldConfiguration.Load());
        if (options.Store.IsPostgres) throw new NotAvailableOnPostgresException("this command");
        return new SqliteStore(options.DatabasePath);
    }

    /// <summary>The configured store's schema (Herald:Store:Provider), and where it is (a file, or a server and database without credentials).</summary>
    private static ISchemaMigrations OpenSchema(out string where)
    {
        var options = HeraldConfiguration.Options(HeraldConfiguration.Load());
        options.Store.Validate();
        if (options.Store.IsPostgres)
        {
            var postgres = new PostgresStore(options.Store.ConnectionString!);
            where = postgres.Target;
            return postgres;
        }
        var sqlite = new SqliteStore(options.DatabasePath);
        where = sqlite.Path;
        return sqlite;
    }
}
