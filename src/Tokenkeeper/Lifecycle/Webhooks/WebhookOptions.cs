namespace Tokenkeeper.Lifecycle;

/// <summary>A webhook that receives connection events as JSON POSTs signed with <c>X-Tokenkeeper-Signature: sha256=…</c>.</summary>
public sealed class WebhookOptions
{
    /// <summary>A name, unique among webhooks: delivery state is kept per name. Default <c>webhook</c>.</summary>
    public string Name { get; set; } = "webhook";

    /// <summary>Where to POST. Plain http is allowed only on loopback.</summary>
    public required Uri Url { get; set; }

    /// <summary>The HMAC-SHA256 key for the signature. Required: an unsigned alert cannot be trusted by its receiver.</summary>
    public required string Secret { get; set; }

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
