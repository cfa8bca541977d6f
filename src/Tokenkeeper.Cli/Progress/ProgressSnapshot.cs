using Tokenkeeper.Diagnostics;
using Tokenkeeper.Sync;
using Tokenkeeper.Sync.Running;

namespace Tokenkeeper.Cli.Progress;

/// <summary>What the progress display shows: the engine's counts and the token manager's live counters.</summary>
internal readonly record struct ProgressSnapshot(SyncProgress Sync, long TokenRefreshes, long AuthReplays, long Retries, TimeSpan Elapsed)
{
    public static ProgressSnapshot Of(SyncEngine engine, TokenkeeperMetrics metrics, TimeSpan elapsed)
    {
        var sync = engine.Progress;
        return new ProgressSnapshot(sync, metrics.Refreshes, metrics.AuthReplays, metrics.HttpRetries + sync.Retries, elapsed);
    }

    /// <summary>Records written by this run per second.</summary>
    public double RecordsPerSecond => Elapsed.TotalSeconds <= 0 ? 0 : (Sync.RecordsWritten - Sync.ResumedFromRecords) / Elapsed.TotalSeconds;
}
