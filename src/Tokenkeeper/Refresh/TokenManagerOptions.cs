using Tokenkeeper.Storage;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Refresh;

/// <summary>How the <see cref="TokenManager"/> refreshes. Every default is named in <see cref="RefreshConstants"/>,
/// <see cref="TokenConstants"/> or <see cref="StorageConstants"/>.</summary>
public sealed class TokenManagerOptions
{
    /// <summary>Refresh windows for providers whose profile sets none. Default <see cref="TokenWindowOptions.Default"/>.</summary>
    public TokenWindowOptions Windows { get; set; } = TokenWindowOptions.Default;

    /// <summary>Lifetime assumed when neither the response nor the profile states one. Default 10 minutes.</summary>
    public TimeSpan DefaultAccessTokenLifetime { get; set; } = TokenConstants.DefaultAccessTokenLifetime;

    /// <summary>Token requests per refresh cycle. Default 4.</summary>
    public int MaxAttempts { get; set; } = RefreshConstants.DefaultMaxAttempts;

    /// <summary>First retry delay inside a cycle. Default 500 ms.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = RefreshConstants.DefaultRetryBaseDelay;

    /// <summary>Largest retry delay inside a cycle. Default 10 s.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = RefreshConstants.DefaultRetryMaxDelay;

    /// <summary>Longest <c>Retry-After</c> waited out inside a cycle. Default 30 s.</summary>
    public TimeSpan MaxRetryAfterInCycle { get; set; } = RefreshConstants.DefaultMaxRetryAfterInCycle;

    /// <summary>Wait after a failed cycle, doubled per further failure. Default 2 s.</summary>
    public TimeSpan FailureBackoffBase { get; set; } = RefreshConstants.DefaultFailureBackoffBase;

    /// <summary>Longest wait between failed cycles. Default 30 min.</summary>
    public TimeSpan FailureBackoffMax { get; set; } = RefreshConstants.DefaultFailureBackoffMax;

    /// <summary>Refresh lease duration. Default 60 s.</summary>
    public TimeSpan LeaseDuration { get; set; } = StorageConstants.DefaultLeaseDuration;

    /// <summary>How long to wait for another instance's lease. Default 30 s.</summary>
    public TimeSpan LeaseWaitTimeout { get; set; } = RefreshConstants.DefaultLeaseWaitTimeout;

    /// <summary>First lease poll interval. Default 50 ms.</summary>
    public TimeSpan LeasePollMin { get; set; } = RefreshConstants.DefaultLeasePollMin;

    /// <summary>Largest lease poll interval. Default 1 s.</summary>
    public TimeSpan LeasePollMax { get; set; } = RefreshConstants.DefaultLeasePollMax;

    /// <summary>How long <see cref="TokenManager.StopAsync"/> keeps trying to store tokens the store would not take (they stay kept
    /// beside a persistent store either way). Default <see cref="StorageConstants.DefaultStoreRetryWindow"/> (60 s).</summary>
    public TimeSpan StoreWaitAtStop { get; set; } = StorageConstants.DefaultStoreRetryWindow;

    /// <summary>Sustained token requests per second per client. Default 10.</summary>
    public int TokenEndpointRequestsPerSecond { get; set; } = RefreshConstants.DefaultTokenEndpointRequestsPerSecond;

    /// <summary>Token request burst per client. Default 20.</summary>
    public int TokenEndpointBurst { get; set; } = RefreshConstants.DefaultTokenEndpointBurst;

    /// <summary>Who this instance is, in leases and refresh intents. Default: machine, process id, PID namespace and a random suffix
    /// (what lets a lease left by a killed process of this machine be taken over at once).</summary>
    public string InstanceId { get; set; } = LeaseOwners.ForThisProcess();

    /// <summary>This instance's refresh-ahead jitter draw in [0, 1). Default: random per instance.</summary>
    public double RefreshAheadJitter { get; set; } = Random.Shared.NextDouble();

    /// <summary>Throws <see cref="TokenkeeperConfigurationException"/> when a value is out of range.</summary>
    public void Validate()
    {
        try
        {
            Windows.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new TokenkeeperConfigurationException(ex.Message, ex);
        }

        if (MaxAttempts < 1)
        {
            throw new TokenkeeperConfigurationException($"{nameof(MaxAttempts)} must be at least 1.");
        }

        if (LeaseDuration <= TimeSpan.Zero || StoreWaitAtStop < TimeSpan.Zero || TokenEndpointRequestsPerSecond < 1 || TokenEndpointBurst < 1 || DefaultAccessTokenLifetime <= TimeSpan.Zero)
        {
            throw new TokenkeeperConfigurationException("Lease duration, default lifetime and token endpoint rates must be positive.");
        }
    }
}
