namespace Tokenkeeper.Cli.Demo;

/// <summary>The flags of <c>tokenkeeper demo</c>.</summary>
internal sealed record DemoSettings
{
    /// <summary>Contacts to transfer (<c>--contacts</c>).</summary>
    public int Contacts { get; init; } = CliConstants.DemoContacts;

    /// <summary>Access-token lifetime at the simulated provider (<c>--access-ttl</c>).</summary>
    public TimeSpan AccessTtl { get; init; } = CliConstants.DemoAccessTtl;

    /// <summary>Fault rate on the token endpoint and the API (<c>--fault-rate</c>); half of it again revokes API tokens at random.</summary>
    public double FaultRate { get; init; } = CliConstants.DemoFaultRate;

    /// <summary>Print one JSON object (<c>--json</c>).</summary>
    public bool Json { get; init; }

    /// <summary>Where the demo keeps its store and key (<c>--dir</c>); null: a folder under the system temp folder.</summary>
    public string? Directory { get; init; }

    /// <summary>Log level on stderr (<c>--log-level</c>).</summary>
    public string LogLevel { get; init; } = "none";

    /// <summary>Stops the run without waiting for the batch in flight (the second Ctrl+C or SIGTERM).</summary>
    public CancellationToken StopNow { get; init; }
}
