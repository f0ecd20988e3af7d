using System.CommandLine;

namespace Herald.Cli;

/// <summary>The <c>herald</c> command line: <c>serve</c> (the default), <c>migrate</c>, <c>teams</c>, <c>keys</c>, <c>simulate</c>, <c>jobs</c>.</summary>
public static class HeraldCli
{
    private static readonly string[] Commands = ["serve", "migrate", "teams", "keys", "simulate", "jobs", "-h", "--help", "-?", "--version"];

    public static async Task<int> RunAsync(string[] args)
    {
        // `herald` and `herald --urls ...` both serve: serve is the default command.
        if (args.Length == 0 || Array.IndexOf(Commands, args[0]) < 0) args = ["serve", .. args];

        var root = new RootCommand("Herald: delivery tracking and analytics server");
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(MigrateCommand.Create());
        root.Subcommands.Add(TeamsCommand.Create());
        root.Subcommands.Add(KeysCommand.Create());
        root.Subcommands.Add(SimulateCommand.Create());
        root.Subcommands.Add(JobsCommand.Create());
        return await root.Parse(args).InvokeAsync();
    }
}
