using System.Runtime.InteropServices;

namespace Tokenkeeper.Cli.Infrastructure;

/// <summary>
/// Ctrl+C (SIGINT) and SIGTERM ask the running command to stop, and the process ends only when the command has finished what
/// must not be abandoned: a token request already sent, the commit of what it returned, tokens kept beside the store. Without
/// this, the runtime (or System.CommandLine after two seconds) would end the process in the middle of a refresh and lose a
/// rotated refresh token. A command may treat the first signal as "stop at the next safe point" (a sync finishes the batch it
/// is writing) and the second as "stop now" (<see cref="Urgent"/>: the batch is abandoned; a token request already sent is
/// still finished). The exit code says which signal stopped the command: 130 for SIGINT, 143 for SIGTERM (the shell
/// conventions).
/// </summary>
internal sealed class TerminationSignals : IDisposable
{
    private const int SigInt = 2;
    private const int SigTerm = 15;

    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _urgent = new();
    private readonly TextWriter _error;
    private readonly PosixSignalRegistration[] _registrations;
    private int _received;

    public TerminationSignals(TextWriter error)
    {
        _error = error;
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
        ];
    }

    /// <summary>Trips on the first SIGINT or SIGTERM.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>Trips on the second SIGINT or SIGTERM: stop without waiting for what may be abandoned safely.</summary>
    public CancellationToken Urgent => _urgent.Token;

    /// <summary>128 plus the first signal's number, once one arrived; null otherwise.</summary>
    public int? ExitCode => Volatile.Read(ref _received) is var signal and > 0 ? 128 + signal : null;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _stop.Dispose();
        _urgent.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        var number = context.Signal == PosixSignal.SIGINT ? SigInt : SigTerm;
        if (Interlocked.CompareExchange(ref _received, number, 0) == 0)
        {
            _stop.Cancel();
            return;
        }

        _urgent.Cancel();
        _error.WriteLine(
            "tokenkeeper: stopping now; still finishing a token request already sent, if any, and storing what it returned (at most the token timeout, then the store's retry window). " +
            "kill -9 would abandon it and could cost the connection its grant.");
    }
}
