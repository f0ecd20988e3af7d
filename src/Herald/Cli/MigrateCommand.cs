using System.CommandLine;
using Herald.Hosting;
using Herald.Storage.Sqlite;
using Spectre.Console;

namespace Herald.Cli;

/// <summary><c>herald migrate up|down|status [--to N]</c>: the store's versioned schema.</summary>
public static class MigrateCommand
{
    public static Command Create()
    {
        var command = new Command("migrate", "Apply, revert or list schema migrations");
        var upTo = new Option<int?>("--to") { Description = "Stop at this version (default: the newest)" };
        var up = new Command("up", "Apply pending migrations") { upTo };
        up.SetAction(parse =>
        {
            using var store = OpenStore();
            var applied = store.MigrateUp(parse.GetValue(upTo));
            foreach (var m in applied) AnsiConsole.MarkupLineInterpolated($"[green]applied[/] {m.Version}: {m.Name}");
            if (applied.Count == 0) AnsiConsole.WriteLine("nothing to apply: the schema is up to date");
            return 0;
        });
        var downTo = new Option<int?>("--to") { Description = "Revert every migration above this version (default: only the newest)" };
        var down = new Command("down", "Revert migrations (drops their tables and data)") { downTo };
        down.SetAction(parse =>
        {
            using var store = OpenStore();
            var reverted = store.MigrateDown(parse.GetValue(downTo));
            foreach (var m in reverted) AnsiConsole.MarkupLineInterpolated($"[yellow]reverted[/] {m.Version}: {m.Name}");
            if (reverted.Count == 0) AnsiConsole.WriteLine("nothing to revert");
            return 0;
        });
        var status = new Command("status", "List migrations and whether each is applied");
        status.SetAction(_ =>
        {
            using var store = OpenStore();
            var table = new Table().AddColumns("version", "name", "applied");
            foreach (var m in store.MigrationStatus())
                table.AddRow(m.Version.ToString(), m.Name, m.AppliedAtMs is { } t ? DateTimeOffset.FromUnixTimeMilliseconds(t).ToString("u") : "[grey]pending[/]");
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLineInterpolated($"store: {store.Path}");
            return 0;
        });
        command.Subcommands.Add(up);
        command.Subcommands.Add(down);
        command.Subcommands.Add(status);
        return command;
    }

    internal static SqliteStore OpenStore()
    {
        var options = HeraldConfiguration.Options(HeraldConfiguration.Load());
        return new SqliteStore(options.DatabasePath);
    }
}
