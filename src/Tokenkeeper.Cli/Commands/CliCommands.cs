using System.CommandLine;

namespace Tokenkeeper.Cli.Commands;

/// <summary>Every top-level command of <c>tokenkeeper</c>, in the order <c>--help</c> lists them.</summary>
internal static class CliCommands
{
    public static IEnumerable<Command> All()
    {
        yield return ConnectionsCommand.Create();
        yield return LifecycleCommand.Create();
        yield return SimulateCommand.Create();
        yield return SyncCommand.Create();
        yield return DemoCommand.Create();
    }
}
