using System.CommandLine;

namespace Herald.Cli;

/// <summary>
/// The <c>herald</c> command line: <c>serve</c>, <c>migrate</c>, <c>teams</c>, <c>keys</c>, <c>simulate</c>, <c>jobs</c>, <c>audit</c>, <c>backup</c>. A missing
/// or unknown command, or an unknown option, prints the error and the usage to stderr and exits 2; it never starts a server.
/// </summary>
public static class HeraldCli
{
    public const int UsageError = 2;

    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Herald: delivery tracking and analytics server");
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(MigrateCommand.Create());
        root.Subcommands.Add(TeamsCommand.Create());
        root.Subcommands.Add(KeysCommand.Create());
        root.Subcommands.Add(SimulateCommand.Create());
        root.Subcommands.Add(JobsCommand.Create());
        root.Subcommands.Add(AuditCommand.Create());
        root.Subcommands.Add(BackupCommand.Create());

        var parse = root.Parse(args);
        if (parse.Errors.Count == 0) return await parse.InvokeAsync();

        var stderr = Console.Error;
        foreach (var error in parse.Errors) await stderr.WriteLineAsync("herald: " + error.Message);
        if (args.Length > 0 && args[0].StartsWith('-') && args[0] is not ("-h" or "--help" or "-?" or "--version"))
            await stderr.WriteLineAsync("herald: options go after a command, e.g. `herald serve --urls http://0.0.0.0:8080`");
        await stderr.WriteLineAsync();
        // The usage of the command the arguments got to (the root when none was recognised).
        var commandPath = new List<string>();
        for (var c = parse.CommandResult; c.Parent is System.CommandLine.Parsing.CommandResult parent; c = parent)
            commandPath.Insert(0, c.Command.Name);
        root.Parse([.. commandPath, "--help"]).Invoke(new InvocationConfiguration { Output = stderr });
        return UsageError;
    }
}
