namespace Tokenkeeper.Sync.Running;

/// <summary>Ends a run: a step failed for good (after its retries, or at once when retrying cannot help).</summary>
internal sealed class SyncFailedException(SyncFailure failure, Exception? innerException = null) : Exception(failure.Message, innerException)
{
    public SyncFailure Failure { get; } = failure;
}
