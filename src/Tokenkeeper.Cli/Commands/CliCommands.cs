using System.CommandLine;

namespace Tokenkeeper.Cli.Commands;

/// <summary>Every top-level command of <c>tokenkeeper</c>, in the order <c>--help</c> lists them.</summary>
internal static class CliCommands
{
    /// <param name="stopNow">Trips on the second Ctrl+C or SIGTERM: commands that stop at a safe point on the first (a sync
    /// finishes its batch) stop without waiting.</param>
    public static IEnumerable<Command> All(CancellationToken stopNow)
    {
        yield return ConnectionsCommand.Create();
        yield return ConnectCommand.Create();
        yield return LifecycleCommand.Create();
        yield return ServeCommand.Create();
        yield return KeysCommand.Create();
        yield return AuditCommand.Create();
        yield return SimulateCommand.Create();
        yield return SyncCommand.Create(stopNow);
        yield return DemoCommand.Create(stopNow);
    }
}
