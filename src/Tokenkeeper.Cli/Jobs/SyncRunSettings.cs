using Microsoft.Extensions.Logging;
using Tokenkeeper.Cli.Progress;
using Tokenkeeper.Http;
using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;
using Tokenkeeper.Sync;

namespace Tokenkeeper.Cli.Jobs;

/// <summary>How a sync run is carried out: flags, and the seams tests and the demo use.</summary>
internal sealed record SyncRunSettings
{
    /// <summary>Start a new generation from the beginning (<c>--restart</c>).</summary>
    public bool Restart { get; init; }

    /// <summary>Print one JSON object on stdout and everything else on stderr (<c>--json</c>).</summary>
    public bool Json { get; init; }

    /// <summary>Encrypts the store; null: the key from the job file, <c>TOKENKEEPER_KEY</c> or <c>TOKENKEEPER_KEY_FILE</c>.</summary>
    public ISecretProtector? Protector { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Looks up the job file's <c>${env:NAME}</c> references; null: the process environment.</summary>
    public Func<string, string?>? Environment { get; init; }

    public ILoggerFactory? LoggerFactory { get; init; }

    public SyncOptions? SyncOptions { get; init; }

    public TokenkeeperHandlerOptions? HandlerOptions { get; init; }

    public TokenManagerOptions? ManagerOptions { get; init; }

    /// <summary>Stops the run without waiting for the batch in flight (the second Ctrl+C or SIGTERM); the token the runner is
    /// given asks it to stop after that batch instead. A token request already sent is finished either way.</summary>
    public CancellationToken StopNow { get; init; }

    /// <summary>The OTLP/HTTP collector's base URL (<c>--otlp-endpoint</c>); null: the <c>OTEL_EXPORTER_OTLP_*</c> variables
    /// decide whether the run's telemetry is exported.</summary>
    public string? OtlpEndpoint { get; init; }

    /// <summary>Replaces the progress display chosen from the output (live bar, plain lines, or none with <c>--json</c>).</summary>
    public IProgressView? ProgressView { get; init; }
}
