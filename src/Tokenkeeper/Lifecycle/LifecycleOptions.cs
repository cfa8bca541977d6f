namespace Tokenkeeper.Lifecycle;

/// <summary>How the lifecycle service keeps connections alive and warns about them. Defaults in <see cref="LifecycleConstants"/>.</summary>
public sealed class LifecycleOptions
{
    /// <summary>Refresh connections before their refresh token's idle deadline. Default true.</summary>
    public bool KeepAlive { get; set; } = true;

    /// <summary>Fraction of the idle lifetime left when the keep-alive is due. Default one third.</summary>
    public double KeepAliveLeadFraction { get; set; } = LifecycleConstants.KeepAliveLeadFraction;

    /// <summary>The shortest keep-alive lead. Default 1 hour.</summary>
    public TimeSpan MinKeepAliveLead { get; set; } = LifecycleConstants.MinKeepAliveLead;

    /// <summary>A daily window (UTC time of day) into which keep-alives are scheduled, the last one before they are due
    /// (for example 02:00). Null: keep-alives run as soon as they are due.</summary>
    public TimeOnly? DailyWindow { get; set; }

    /// <summary>Days before the absolute refresh-token deadline at which to warn. Default 14, 7, 3, 1.</summary>
    public IReadOnlyList<int> WarningDays { get; set; } = LifecycleConstants.WarningDays;

    /// <summary>Connections processed at once. Default 4.</summary>
    public int MaxConcurrency { get; set; } = LifecycleConstants.MaxConcurrency;

    /// <summary>The longest sleep between passes. Default 1 hour.</summary>
    public TimeSpan MaxSleep { get; set; } = LifecycleConstants.MaxSleep;

    /// <summary>Webhooks that receive events.</summary>
    public IList<WebhookOptions> Webhooks { get; } = [];

    /// <summary>A link where a person re-authorises a connection, with <c>{connection}</c> for its id (the broker's URL, when
    /// one runs). Included in <c>reconnect_required</c> alerts.</summary>
    public string? ReconnectUrlTemplate { get; set; }

    /// <summary>Throws <see cref="TokenkeeperConfigurationException"/> for a value out of range.</summary>
    public void Validate()
    {
        if (KeepAliveLeadFraction is <= 0 or >= 1 || MaxConcurrency < 1 || MaxSleep <= TimeSpan.Zero || WarningDays.Any(d => d < 0))
        {
            throw new TokenkeeperConfigurationException("Lifecycle options out of range: the keep-alive lead fraction must be in (0, 1), concurrency and sleep positive, warning days not negative.");
        }

        foreach (var hook in Webhooks)
        {
            Protocol.EndpointSecurity.EnsureAllowed(hook.Url, hook.AllowInsecureHttp, "webhook URL");
            if (hook.Secrets.Count == 0 || hook.Secrets.Any(s => s is null))
            {
                throw new TokenkeeperConfigurationException($"Webhook '{hook.Name}' needs at least one secret (whsec_…) to sign its payloads.");
            }
        }

        if (Webhooks.Select(h => h.Name).Distinct(StringComparer.Ordinal).Count() != Webhooks.Count || Webhooks.Any(h => h.Name == LifecycleConstants.LogSink))
        {
            throw new TokenkeeperConfigurationException("Webhook names must be unique and not 'log'.");
        }
    }
}
