using System.Text.Json.Serialization;
using Tokenkeeper.Diagnostics;
using Tokenkeeper.Sync;

namespace Tokenkeeper.Cli.Reports;

/// <summary>The final object of <c>tokenkeeper sync --json</c> (and of <c>demo --json</c>, with <see cref="Simulator"/>).
/// A contract: scripts read these names.</summary>
internal sealed record SyncReport
{
    [JsonPropertyName("job")]
    public required string Job { get; init; }

    /// <summary><c>completed</c>, <c>failed</c>, <c>reconnect_required</c> or <c>misconfigured</c>.</summary>
    [JsonPropertyName("status")]
    public required string Status { get; init; }

    /// <summary>Records of this generation read from the source (a resumed run counts from its checkpoint).</summary>
    [JsonPropertyName("records_read")]
    public long RecordsRead { get; init; }

    /// <summary>Records of this generation written and checkpointed.</summary>
    [JsonPropertyName("records_written")]
    public long RecordsWritten { get; init; }

    /// <summary>Batches of this generation written and checkpointed.</summary>
    [JsonPropertyName("batches")]
    public long Batches { get; init; }

    /// <summary>Batches of this run the destination answered as replays (<c>Idempotent-Replayed: true</c>): it already held a
    /// request with the same <c>Idempotency-Key</c> and stored nothing new. Their records are in <see cref="RecordsWritten"/> (they
    /// are at the destination) but were not written by this run.</summary>
    [JsonPropertyName("batches_replayed")]
    public long BatchesReplayed { get; init; }

    /// <summary>The checkpointed batch this run resumed after (0: it started from the beginning).</summary>
    [JsonPropertyName("resumed_from_batch")]
    public long ResumedFromBatch { get; init; }

    /// <summary>Source and destination requests retried in this run: by the HTTP handler (429/5xx/network) and by the engine (a
    /// whole step). Token requests are not in it (see <see cref="TokenRetries"/>).</summary>
    [JsonPropertyName("retries")]
    public long Retries { get; init; }

    /// <summary>Token requests sent again in this run: later attempts inside a refresh cycle (after a 503, a 429, a dropped
    /// connection the provider never saw), and refreshes whose answer was lost sent again where that is safe.</summary>
    [JsonPropertyName("token_retries")]
    public long TokenRetries { get; init; }

    /// <summary>Access-token refreshes this run committed.</summary>
    [JsonPropertyName("token_refreshes")]
    public long TokenRefreshes { get; init; }

    /// <summary>Requests replayed after the API rejected a token.</summary>
    [JsonPropertyName("auth_replays")]
    public long AuthReplays { get; init; }

    /// <summary>Failures that reached the job's caller: 0 when it completed, 1 when it stopped.</summary>
    [JsonPropertyName("failures_surfaced")]
    public long FailuresSurfaced { get; init; }

    [JsonPropertyName("elapsed_ms")]
    public long ElapsedMs { get; init; }

    /// <summary>The simulator's view (demo only).</summary>
    [JsonPropertyName("simulator")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SimulatorReport? Simulator { get; init; }

    public static SyncReport From(SyncResult result, TokenkeeperMetrics metrics) => new()
    {
        Job = result.JobId,
        Status = StatusName(result.Status),
        RecordsRead = result.Progress.RecordsRead,
        RecordsWritten = result.Progress.RecordsWritten,
        Batches = result.Progress.Batches,
        ResumedFromBatch = result.Progress.ResumedFromBatch,
        BatchesReplayed = result.Progress.BatchesReplayed,
        Retries = metrics.HttpRetries + result.Progress.Retries,
        TokenRetries = metrics.TokenRetries,
        TokenRefreshes = metrics.Refreshes,
        AuthReplays = metrics.AuthReplays,
        FailuresSurfaced = result.Status == SyncStatus.Completed ? 0 : 1,
        ElapsedMs = (long)result.Elapsed.TotalMilliseconds,
    };

    public static string StatusName(SyncStatus status) => status switch
    {
        SyncStatus.Completed => "completed",
        SyncStatus.ReconnectRequired => "reconnect_required",
        SyncStatus.Misconfigured => "misconfigured",
        _ => "failed",
    };
}
