namespace Tokenkeeper.Refresh;

/// <summary>Every default number of the refresh engine, in one place.</summary>
internal static class RefreshConstants
{
    /// <summary>Token requests per refresh cycle, the first included: 4.</summary>
    public const int DefaultMaxAttempts = 4;

    /// <summary>First retry delay inside a cycle (exponential with decorrelated jitter): 500 ms.</summary>
    public static readonly TimeSpan DefaultRetryBaseDelay = TimeSpan.FromMilliseconds(500);

    /// <summary>Largest retry delay inside a cycle: 10 seconds.</summary>
    public static readonly TimeSpan DefaultRetryMaxDelay = TimeSpan.FromSeconds(10);

    /// <summary>A <c>Retry-After</c> longer than this ends the cycle instead of being waited out inside it: 30 seconds.</summary>
    public static readonly TimeSpan DefaultMaxRetryAfterInCycle = TimeSpan.FromSeconds(30);

    /// <summary>After a failed cycle, the next may start no sooner than this, doubled per further failure: 2 seconds.</summary>
    public static readonly TimeSpan DefaultFailureBackoffBase = TimeSpan.FromSeconds(2);

    /// <summary>The longest wait between failed cycles (the cooldown a dead connection settles at): 30 minutes.
    /// A connection whose endpoint is down makes at most about 200 token requests a day.</summary>
    public static readonly TimeSpan DefaultFailureBackoffMax = TimeSpan.FromMinutes(30);

    /// <summary>A refresh whose answer was lost is retried within this share of the provider's rotation grace window (counted
    /// from when the refresh token was first sent), whatever the back-off says: one half (15 minutes of Xero's 30).</summary>
    public const double InDoubtGraceShare = 0.5;

    /// <summary>A refresh whose answer was lost is sent again with the same refresh token only while less than this share of the
    /// provider's rotation grace (or reuse interval) has passed since it was first sent: 0.8 (24 minutes of Xero's 30), leaving a
    /// margin for clock differences and the time the retry takes to arrive.</summary>
    public const double InDoubtGraceUsableShare = 0.8;

    /// <summary>How long a caller waits for another instance's lease before giving up: 30 seconds.</summary>
    public static readonly TimeSpan DefaultLeaseWaitTimeout = TimeSpan.FromSeconds(30);

    /// <summary>First poll interval while another instance holds the lease: 50 ms, doubling.</summary>
    public static readonly TimeSpan DefaultLeasePollMin = TimeSpan.FromMilliseconds(50);

    /// <summary>Largest poll interval while another instance holds the lease: 1 second.</summary>
    public static readonly TimeSpan DefaultLeasePollMax = TimeSpan.FromSeconds(1);

    /// <summary>Added to the token request timeout to get the window a request may be in flight: 5 seconds. A lease always
    /// covers one window past the moment a request is sent, and a peer treats another instance's intent younger than a window
    /// as possibly still in flight.</summary>
    public static readonly TimeSpan LeaseSafetyMargin = TimeSpan.FromSeconds(5);

    /// <summary>A token request leaves at most this long after the moment its refresh intent states: when writing the intent (or
    /// renewing the lease after it) took longer, because the store was busy, both are done again before anything is sent. Well
    /// inside <see cref="LeaseSafetyMargin"/>, so the intent's request window always covers the request: 1 second.</summary>
    public static readonly TimeSpan IntentFreshness = TimeSpan.FromSeconds(1);

    /// <summary>Attempts at a compare-and-swap commit that keeps meeting newer versions (each re-reads and re-applies the change): 5.
    /// A store failure is not retried here: the store retries its own busy or unreachable moments (its retry window), and tokens
    /// it would not take are kept.</summary>
    public const int MaxCommitAttempts = 5;

    /// <summary>First wait before this process tries again, in the background, to store tokens it keeps in memory (the store
    /// failed or the commit gave up): 500 ms, doubling up to <see cref="KeptTokensRetryMax"/>.</summary>
    public static readonly TimeSpan KeptTokensRetryFirst = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest wait between background attempts to store kept tokens: 5 seconds, well inside a request window, so
    /// the kept refresh token is stored before a peer could take this instance's refresh intent for a lost response.</summary>
    public static readonly TimeSpan KeptTokensRetryMax = TimeSpan.FromSeconds(5);

    /// <summary>How long an instance leaves another live process of this machine to settle its own refresh intent once that
    /// intent's request can no longer be in flight, counted from when this instance first saw it: 1 minute, many times
    /// <see cref="KeptTokensRetryMax"/>. The owner may hold the answer in memory because the store would not take it (an outage):
    /// settling its intent as a lost answer meanwhile would mark a live grant <c>ReconnectRequired</c>.</summary>
    public static readonly TimeSpan LiveOwnerPatience = TimeSpan.FromMinutes(1);

    /// <summary>Token requests per second each client may make to its token endpoint, sustained: 10.</summary>
    public const int DefaultTokenEndpointRequestsPerSecond = 10;

    /// <summary>Burst of token requests a client may make at once: 20.</summary>
    public const int DefaultTokenEndpointBurst = 20;

    /// <summary>Up to this many connections per manager, the frozen lookup snapshot is rebuilt for every new connection; beyond, when their number doubles: 1,024.</summary>
    public const int SourceSnapshotAlwaysRebuildBelow = 1024;

    /// <summary>A connection whose client or request the provider rejected (<c>invalid_client</c>, <c>invalid_scope</c>) is not
    /// sent again with the same configuration for this long (a corrected one is tried at once): 1 hour. A provider-side fix
    /// (a re-enabled app) is picked up by then, and a provider that locks out clients after repeated failures is not provoked.</summary>
    public static readonly TimeSpan MisconfiguredRetryWait = TimeSpan.FromHours(1);

    /// <summary>At most one auth-loop alert per connection in this interval: 1 hour.</summary>
    public static readonly TimeSpan AuthLoopAlertInterval = TimeSpan.FromHours(1);
}
