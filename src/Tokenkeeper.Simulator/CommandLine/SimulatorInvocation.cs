namespace Tokenkeeper.Simulator;

/// <summary>Everything a simulator command line says: the dials, and how to run them.</summary>
public sealed class SimulatorInvocation
{
    /// <summary>The dials, after the personality preset, the config file and the flags (in that order).</summary>
    public required SimulatorOptions Options { get; init; }

    /// <summary><c>--port</c>. Default: <see cref="SimulatorDefaults.CommandLinePort"/> (9300); 0 picks a free port.</summary>
    public int Port { get; init; } = SimulatorDefaults.CommandLinePort;

    /// <summary><c>--log-level</c>. Default: <see cref="LogLevel.Information"/> (one line per token issued or refused).</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    /// <summary><c>--config</c>, the file that was read, if any.</summary>
    public string? ConfigPath { get; init; }

    /// <summary><c>--help</c> or <c>-h</c> was given: print the usage and exit.</summary>
    public bool ShowHelp { get; init; }
}
