namespace Tokenkeeper.Simulator;

/// <summary>
/// A host lifetime that hooks nothing: the simulator is hosted inside other processes (tests, the demo, the CLI),
/// so it must not take over their Ctrl+C, SIGTERM or process-exit handling, as the default console lifetime does.
/// Whoever started it stops it.
/// </summary>
internal sealed class PassiveHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
