namespace Tokenkeeper.Lifecycle;

/// <summary>
/// A webhook that receives connection events as JSON POSTs signed per Standard Webhooks: <c>webhook-id</c> (the event's id, the
/// same on every retry), <c>webhook-timestamp</c> (fresh on every attempt) and <c>webhook-signature</c> (one <c>v1</c> signature per
/// secret in <see cref="Secrets"/>). Receivers verify with <see cref="WebhookVerifier"/> or by hand (docs/lifecycle.md).
/// </summary>
public sealed class WebhookOptions
{
    /// <summary>A name, unique among webhooks: delivery state is kept per name. Default <c>webhook</c>.</summary>
    public string Name { get; set; } = "webhook";

    /// <summary>Where to POST. Plain http is allowed only on loopback.</summary>
    public required Uri Url { get; set; }

    /// <summary>The secrets that sign each delivery, in order; each active one adds a signature, so a receiver can move from one to
    /// the next without a window of failed deliveries (add the new one, update the receiver, drop the old one). At least one is
    /// required: an unsigned alert cannot be trusted by its receiver.</summary>
    public IList<WebhookSecret> Secrets { get; } = [];

    /// <summary>Attempts before an event is dead-lettered. Default <see cref="LifecycleConstants.WebhookMaxAttempts"/>.</summary>
    public int MaxAttempts { get; set; } = LifecycleConstants.WebhookMaxAttempts;

    /// <summary>First wait after a failure, doubled per attempt. Default <see cref="LifecycleConstants.WebhookBackoffBase"/>.</summary>
    public TimeSpan BackoffBase { get; set; } = LifecycleConstants.WebhookBackoffBase;

    /// <summary>Longest wait between attempts. Default <see cref="LifecycleConstants.WebhookBackoffMax"/>.</summary>
    public TimeSpan BackoffMax { get; set; } = LifecycleConstants.WebhookBackoffMax;

    /// <summary>Per-attempt timeout. Default <see cref="LifecycleConstants.WebhookTimeout"/>.</summary>
    public TimeSpan Timeout { get; set; } = LifecycleConstants.WebhookTimeout;

    /// <summary>Allow plain http off loopback (test environments only).</summary>
    public bool AllowInsecureHttp { get; set; }
}
