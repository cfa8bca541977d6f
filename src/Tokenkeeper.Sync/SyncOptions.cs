namespace Tokenkeeper.Sync;

/// <summary>How persistently the engine retries a step before the job fails (checkpoint kept). Every default is in
/// <see cref="SyncConstants"/>.</summary>
public sealed class SyncOptions
{
    /// <summary>Attempts at one step (read a page, write a batch, commit a checkpoint), the first included, on top of the
    /// HTTP handler's own retries. Default 5.</summary>
    public int MaxStepAttempts { get; set; } = SyncConstants.DefaultMaxStepAttempts;

    /// <summary>First wait before retrying a step; doubled per attempt, jittered. Default 1 s.</summary>
    public TimeSpan StepRetryBaseDelay { get; set; } = SyncConstants.DefaultStepRetryBaseDelay;

    /// <summary>Longest computed wait between attempts at a step. Default 30 s.</summary>
    public TimeSpan StepRetryMaxDelay { get; set; } = SyncConstants.DefaultStepRetryMaxDelay;

    /// <summary>Longest wait honoured when a connection says when it may be retried. Default 2 min.</summary>
    public TimeSpan MaxRetryNotBeforeWait { get; set; } = SyncConstants.DefaultMaxRetryNotBeforeWait;

    /// <summary>Throws <see cref="TokenkeeperConfigurationException"/> when a value is out of range.</summary>
    public void Validate()
    {
        if (MaxStepAttempts < 1)
        {
            throw new TokenkeeperConfigurationException($"{nameof(MaxStepAttempts)} must be at least 1.");
        }

        if (StepRetryBaseDelay < TimeSpan.Zero || StepRetryMaxDelay < StepRetryBaseDelay || MaxRetryNotBeforeWait < TimeSpan.Zero)
        {
            throw new TokenkeeperConfigurationException("Step retry delays must be positive, and the base delay no longer than the maximum.");
        }
    }
}
