using System.CommandLine;
using Spectre.Console;
using Herald.Tenancy;

namespace Herald.Cli;

/// <summary><c>herald teams create NAME | list</c>, straight on the store.</summary>
public static class TeamsCommand
{
    public static Command Create()
    {
        var command = new Command("teams", "Create and list teams");
        var name = new Argument<string>("name") { Description = "The team's name" };
        var create = new Command("create", "Create a team") { name };
        create.SetAction(parse =>
        {
            using var store = MigrateCommand.OpenStore();
            store.MigrateUp();
            var team = new TeamDirectory(store, TimeProvider.System).Create(parse.GetValue(name)!);
            AuditCommand.Record(store, "create", "teams", team.PublicId, team.Id, 0, ["name"]);
            AnsiConsole.MarkupLineInterpolated($"created team [bold]{team.Name}[/] id [bold]{team.PublicId}[/] webhook token {team.WebhookToken}");
            return 0;
        });
        var list = new Command("list", "List teams");
        list.SetAction(_ =>
        {
            using var store = MigrateCommand.OpenStore();
            store.MigrateUp();
            var table = new Table().AddColumns("id", "name", "created");
            foreach (var t in store.ListTeams()) table.AddRow(t.PublicId, t.Name, DateTimeOffset.FromUnixTimeMilliseconds(t.CreatedAtMs).ToString("u"));
            AnsiConsole.Write(table);
            return 0;
        });
        command.Subcommands.Add(create);
        command.Subcommands.Add(list);
        return command;
    }
}
