namespace Tokenkeeper.Sync;

/// <summary>A step (read a page, write a batch) failed in a way the engine understands: retryable or not.</summary>
internal sealed class SyncStepException : Exception
{
    public SyncStepException(SyncFailure failure, bool retryable, DateTimeOffset? retryNotBefore = null, Exception? innerException = null)
        : base(failure.Message, innerException)
    {
        Failure = failure;
        Retryable = retryable;
        RetryNotBefore = retryNotBefore;
    }

    public SyncFailure Failure { get; }

    public bool Retryable { get; }

    /// <summary>The earliest time a retry can succeed, when the failure says.</summary>
    public DateTimeOffset? RetryNotBefore { get; }

    public static SyncStepException Permanent(SyncFailureKind kind, string message) => new(new SyncFailure(kind, message), retryable: false);

    public static SyncStepException Transient(SyncFailureKind kind, string message, Exception? inner = null) => new(new SyncFailure(kind, message), retryable: true, innerException: inner);
}
