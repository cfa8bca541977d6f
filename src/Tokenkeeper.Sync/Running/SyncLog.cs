using Microsoft.Extensions.Logging;

namespace Tokenkeeper.Sync.Running;

/// <summary>The sync engine's log events. No token ever appears in them: the engine never holds one.</summary>
internal static partial class SyncLog
{
    [LoggerMessage(101, LogLevel.Warning, "Job {JobId}: {Step} failed: {Failure}; attempt {Attempt} of {MaxAttempts} in {DelayMs:0} ms")]
    public static partial void StepRetry(ILogger logger, string jobId, string step, string failure, int attempt, int maxAttempts, double delayMs);

    [LoggerMessage(102, LogLevel.Information, "Job {JobId}: generation {Generation}, resuming after batch {Batch} ({Records} records written)")]
    public static partial void Resuming(ILogger logger, string jobId, int generation, long batch, long records);

    [LoggerMessage(103, LogLevel.Information, "Job {JobId}: generation {Generation} starts from the beginning")]
    public static partial void Starting(ILogger logger, string jobId, int generation);

    [LoggerMessage(104, LogLevel.Debug, "Job {JobId}: batch {Batch} of {Records} records written and checkpointed (key {Key})")]
    public static partial void BatchCommitted(ILogger logger, string jobId, long batch, int records, string key);

    [LoggerMessage(108, LogLevel.Warning, "Job {JobId}: the destination answered batch {Batch} as a replay of an earlier request with key {Key}: it stored nothing new")]
    public static partial void BatchReplayed(ILogger logger, string jobId, long batch, string key);

    [LoggerMessage(105, LogLevel.Information, "Job {JobId}: generation {Generation} completed: {Records} records in {Batches} batches")]
    public static partial void Completed(ILogger logger, string jobId, int generation, long records, long batches);

    [LoggerMessage(106, LogLevel.Error, "Job {JobId}: stopped ({Kind}): {Message}")]
    public static partial void Failed(ILogger logger, string jobId, SyncFailureKind kind, string message);
}
