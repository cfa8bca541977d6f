namespace Tokenkeeper.Lifecycle;

/// <summary>Every default number of the connection lifecycle, in one place.</summary>
internal static class LifecycleConstants
{
    /// <summary>A webhook that has not answered after this long failed the attempt: 10 seconds.</summary>
    public static readonly TimeSpan WebhookTimeout = TimeSpan.FromSeconds(10);

    /// <summary>A keep-alive refresh is due this fraction of the idle lifetime before the idle deadline: one third
    /// (day 20 of a 30-day idle limit), leaving the rest for retries.</summary>
    public const double KeepAliveLeadFraction = 1.0 / 3.0;

    /// <summary>The shortest keep-alive lead before the idle deadline: 1 hour.</summary>
    public static readonly TimeSpan MinKeepAliveLead = TimeSpan.FromHours(1);

    /// <summary>Days before the absolute refresh-token deadline at which a warning is sent: 14, 7, 3 and 1.</summary>
    public static readonly IReadOnlyList<int> WarningDays = [14, 7, 3, 1];

    /// <summary>After a refresh-token deadline passed and the provider still accepted a refresh (its real lifetime is longer
    /// than the profile says), the connection is probed again this long after that refresh: 1 day.</summary>
    public static readonly TimeSpan DeadlineProbeInterval = TimeSpan.FromDays(1);

    /// <summary>Connections processed at once by a lifecycle pass: 4.</summary>
    public const int MaxConcurrency = 4;

    /// <summary>The longest the lifecycle service sleeps between passes: 1 hour.</summary>
    public static readonly TimeSpan MaxSleep = TimeSpan.FromHours(1);

    /// <summary>How often the running service delivers the outbox between passes: 10 seconds (alerts from jobs in other processes
    /// reach webhooks within this).</summary>
    public static readonly TimeSpan DispatchInterval = TimeSpan.FromSeconds(10);

    /// <summary>The shortest the lifecycle service sleeps between passes: 1 second.</summary>
    public static readonly TimeSpan MinSleep = TimeSpan.FromSeconds(1);

    /// <summary>Consecutive failed refresh cycles that raise an alert: 3.</summary>
    public const int RepeatedFailureAlertThreshold = 3;

    /// <summary>Delivery attempts per event and webhook before it is dead-lettered: 8.</summary>
    public const int WebhookMaxAttempts = 8;

    /// <summary>First wait after a failed webhook delivery, doubled per attempt: 10 seconds.</summary>
    public static readonly TimeSpan WebhookBackoffBase = TimeSpan.FromSeconds(10);

    /// <summary>Longest wait between webhook attempts: 1 hour.</summary>
    public static readonly TimeSpan WebhookBackoffMax = TimeSpan.FromHours(1);

    /// <summary>Events claimed per webhook per pass: 100.</summary>
    public const int OutboxBatchSize = 100;

    /// <summary>How long a claimed event is hidden from other dispatchers: three webhook timeouts (30 seconds), so a concurrent
    /// dispatcher never sends it twice, and a dispatcher killed mid-delivery delays it at most this long.</summary>
    public static readonly TimeSpan OutboxClaimFor = WebhookTimeout * 3;

    /// <summary>The name of the log sink (every event is written to the log once).</summary>
    public const string LogSink = "log";

    /// <summary>An event the log sink delivers this long after it occurred is logged as "delivered late", with its age: 1 minute.</summary>
    public static readonly TimeSpan EventLateAfter = TimeSpan.FromMinutes(1);
}
