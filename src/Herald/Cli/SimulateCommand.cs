using System.CommandLine;

namespace Herald.Cli;

public static class SimulateCommand
{
    public static Command Create() => new("simulate", "Send realistic traffic (coming with the simulator)");
}
