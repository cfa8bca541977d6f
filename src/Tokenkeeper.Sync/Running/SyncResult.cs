namespace Tokenkeeper.Sync;

/// <summary>How a sync run ended, with the generation's counts.</summary>
public sealed record SyncResult
{
    /// <summary>The job.</summary>
    public required string JobId { get; init; }

    /// <summary>How it ended.</summary>
    public required SyncStatus Status { get; init; }

    /// <summary>The final counts (see <see cref="SyncProgress"/>).</summary>
    public required SyncProgress Progress { get; init; }

    /// <summary>How long this run took.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>The generation had already completed before this run: nothing was read or written (use restart for a new one).</summary>
    public bool AlreadyCompleted { get; init; }

    /// <summary>Why the run stopped, unless it completed.</summary>
    public SyncFailure? Failure { get; init; }
}
