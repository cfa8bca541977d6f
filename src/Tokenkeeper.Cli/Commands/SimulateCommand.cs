using System.CommandLine;
using Tokenkeeper.Simulator;

namespace Tokenkeeper.Cli.Commands;

/// <summary><c>tokenkeeper simulate …</c>: runs the provider simulator in the foreground with the simulator's own flags.</summary>
internal static class SimulateCommand
{
    public const string Name = "simulate";

    /// <summary>The command as listed in <c>tokenkeeper --help</c>. Its arguments are the simulator's flags, passed through verbatim.</summary>
    public static Command Create()
    {
        var command = new Command(Name, "Run the OAuth 2.0 provider simulator on loopback (flags: tokenkeeper simulate --help).")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        command.SetAction((parseResult, cancellationToken) => SimulatorCommandLine.RunAsync([.. parseResult.UnmatchedTokens], cancellationToken));
        return command;
    }

    /// <summary>Runs the simulator with exactly the arguments after <c>simulate</c> (so <c>--help</c> is the simulator's help).</summary>
    public static Task<int> RunAsync(string[] simulatorArgs, CancellationToken cancellationToken) => SimulatorCommandLine.RunAsync(simulatorArgs, cancellationToken);
}
