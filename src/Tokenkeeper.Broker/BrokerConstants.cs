namespace Tokenkeeper.Broker;

/// <summary>Every default number and fixed name of the token service, in one place.</summary>
internal static class BrokerConstants
{
    /// <summary>Where <c>tokenkeeper serve</c> listens unless told otherwise: loopback only.</summary>
    public const string DefaultUrls = "http://127.0.0.1:8080";

    /// <summary>The most <c>min_validity</c> a caller may ask for: one day (a token is never asked to outlive that).</summary>
    public static readonly TimeSpan MaxMinValidity = TimeSpan.FromDays(1);

    /// <summary>The <c>Retry-After</c> given with a 503 when the failure names no time: 5 seconds.</summary>
    public static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(5);

    /// <summary>How long <c>/readyz</c> waits for the store before it answers 503: 2 seconds.</summary>
    public static readonly TimeSpan ReadinessTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The audit is appended to the store at least this often: 1 second (the most a crash can lose).</summary>
    public static readonly TimeSpan AuditFlushInterval = TimeSpan.FromSeconds(1);

    /// <summary>Audit entries kept in memory while the store refuses them: 100,000 (then the oldest are dropped).</summary>
    public const int AuditBacklogLimit = 100_000;

    /// <summary>How long audit entries are kept unless <c>serve --audit-retention</c> says otherwise: 90 days.</summary>
    public static readonly TimeSpan DefaultAuditRetention = TimeSpan.FromDays(90);

    /// <summary>How often entries past the retention are deleted (and once at start): every hour.</summary>
    public static readonly TimeSpan AuditPruneInterval = TimeSpan.FromHours(1);

    /// <summary>The most audit entries one <c>GET /v1/audit</c> returns: 1,000 (the newest).</summary>
    public const int AuditPageLimit = 1000;

    /// <summary>Requests without a valid key one client address may make per <see cref="FailedAttemptWindow"/> before it is
    /// answered 429: 10.</summary>
    public const int FailedAttemptLimit = 10;

    /// <summary>The window failed attempts are counted in, from an address's first failure: 1 minute.</summary>
    public static readonly TimeSpan FailedAttemptWindow = TimeSpan.FromMinutes(1);

    /// <summary>Addresses tracked before windows that ended are swept: 10,000.</summary>
    public const int FailedAttemptAddresses = 10_000;

    /// <summary>The largest body <c>POST …/token/invalid</c> reads: 64 KiB (an access token and nothing else).</summary>
    public const long MaxInvalidTokenBody = 64 * 1024;

    /// <summary>Where Prometheus scrapes: <c>/metrics</c> (no key: bind the service to a private address).</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>The meters <c>/metrics</c> exports: Tokenkeeper's, ASP.NET Core's (requests, Kestrel connections) and the runtime's.</summary>
    public static readonly string[] ExportedMeters = [Diagnostics.TokenkeeperTelemetry.Name, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Runtime"];

    /// <summary>The media type of every error (RFC 9457).</summary>
    public const string ProblemContentType = "application/problem+json";
}
