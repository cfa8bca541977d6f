namespace Tokenkeeper.Simulator;

/// <summary>
/// Every default number and name the simulator uses, in one place. <see cref="SimulatorOptions"/>,
/// the personality presets and the command line all take their defaults from here.
/// </summary>
public static class SimulatorDefaults
{
    /// <summary>Access-token lifetime: 1 hour.</summary>
    public static readonly TimeSpan AccessTtl = TimeSpan.FromHours(1);

    /// <summary>How long a rotated refresh token keeps working under <see cref="RotationMode.Grace"/>: 30 minutes (Xero's window).</summary>
    public static readonly TimeSpan RotationGrace = TimeSpan.FromMinutes(30);

    /// <summary>Reuse interval under <see cref="RotationMode.ReuseDetection"/>: zero (any reuse revokes the grant).</summary>
    public static readonly TimeSpan ReuseInterval = TimeSpan.Zero;

    /// <summary>Window of the token-endpoint rate limit when only a count is given: 1 minute.</summary>
    public static readonly TimeSpan RateLimitWindow = TimeSpan.FromMinutes(1);

    /// <summary>Lifetime of an authorization code: 1 minute.</summary>
    public static readonly TimeSpan AuthorizationCodeTtl = TimeSpan.FromMinutes(1);

    /// <summary><c>Retry-After</c> sent with an injected <c>429</c> fault when the fault names none: 1 second.</summary>
    public static readonly TimeSpan FaultRetryAfter = TimeSpan.FromSeconds(1);

    /// <summary>Delay of a <c>delay</c> fault when the fault names none: 2 seconds.</summary>
    public static readonly TimeSpan FaultDelay = TimeSpan.FromSeconds(2);

    /// <summary>How long every token-endpoint answer is held after processing (<c>--token-delay</c>): zero (answered at once).</summary>
    public static readonly TimeSpan TokenResponseDelay = TimeSpan.Zero;

    /// <summary>Whether <c>POST /oauth/introspect</c> is served and advertised (<c>--no-introspection</c> turns it off): true.</summary>
    public const bool IntrospectionEnabled = true;

    /// <summary>Size of the deterministic contact dataset: 50,000.</summary>
    public const int Contacts = 50_000;

    /// <summary>Seed of every random choice the simulator makes (faults, random revocation, dataset): 1.</summary>
    public const int Seed = 1;

    /// <summary>Personality preset: <c>generic</c>.</summary>
    public const string Personality = "generic";

    /// <summary>The default client's id: <c>demo-client</c>.</summary>
    public const string ClientId = "demo-client";

    /// <summary>The default client's secret: <c>demo-secret</c>.</summary>
    public const string ClientSecret = "demo-secret";

    /// <summary>Scopes a client may ask for when its registration names none: <c>contacts:read contacts:write</c>.</summary>
    public const string ClientScopes = "contacts:read contacts:write";

    /// <summary>The default client's only redirect URI: <c>http://127.0.0.1/callback</c>.</summary>
    public const string RedirectUri = "http://127.0.0.1/callback";

    /// <summary>The user the authorization endpoint auto-approves for: <c>test-user</c>.</summary>
    public const string TestUser = "test-user";

    /// <summary>Port of the standalone simulator (<c>--port</c>): 9300.</summary>
    public const int CommandLinePort = 9300;

    /// <summary>Page size of <c>GET /api/contacts</c> when <c>limit</c> is absent: 100.</summary>
    public const int ContactsPageLimit = 100;

    /// <summary>Largest page <c>GET /api/contacts</c> serves: 1,000.</summary>
    public const int ContactsMaxPageLimit = 1_000;

    /// <summary>Most records one <c>POST /api/contacts/batch</c> accepts: 500.</summary>
    public const int BatchMaxRecords = 500;

    /// <summary>Largest batch body read, in bytes: 8 MiB (larger → 413).</summary>
    public const int BatchMaxBodyBytes = 8 * 1024 * 1024;

    /// <summary>Longest <c>Idempotency-Key</c> accepted, in characters: 255.</summary>
    public const int IdempotencyKeyMaxLength = 255;

    /// <summary>Longest duration any dial accepts: 36,500 days (100 years), so that no deadline overflows.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(36_500);

    /// <summary>Largest contact dataset (<c>--contacts</c>): 9,999,999.</summary>
    public const int ContactsMax = 9_999_999;

    /// <summary>Most parameters one OAuth form may carry: 64.</summary>
    public const int FormMaxParameters = 64;

    /// <summary>Longest OAuth form parameter name, in characters: 1,024.</summary>
    public const int FormMaxParameterNameLength = 1024;

    /// <summary>How long <see cref="SimulatorServer.StopAsync"/> lets requests in flight finish: 2 seconds.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Largest JSON body read by the <c>/sim</c> admin endpoints, in bytes: 64 KiB.</summary>
    public const int AdminMaxBodyBytes = 64 * 1024;

    /// <summary>Largest form body read by the OAuth endpoints, in bytes: 64 KiB.</summary>
    public const int FormMaxBodyBytes = 64 * 1024;

    /// <summary>Random bytes in an opaque token, authorization code or grant secret: 32 (256 bits).</summary>
    public const int OpaqueTokenBytes = 32;

    /// <summary>Hex characters of the SHA-256 token fingerprint written to logs: 8.</summary>
    public const int FingerprintHexChars = 8;

    /// <summary>Issued access tokens kept before expired ones are swept from memory: 250,000.</summary>
    public const int TokenSweepThreshold = 250_000;

    /// <summary>Least simulator time between two sweeps of expired access tokens: 1 minute.</summary>
    public static readonly TimeSpan TokenSweepInterval = TimeSpan.FromMinutes(1);

    /// <summary>How long an expired access token is still recognised (answered as expired, not unknown) before a sweep may forget it: 1 day.</summary>
    public static readonly TimeSpan ExpiredTokenRetention = TimeSpan.FromDays(1);

    /// <summary>Access-token lifetime of the <c>salesforce</c> preset: 2 hours (the default session timeout).</summary>
    public static readonly TimeSpan SalesforceAccessTtl = TimeSpan.FromHours(2);

    /// <summary>Refresh-token idle limit of the <c>salesforce</c> preset: 30 days.</summary>
    public static readonly TimeSpan SalesforceRefreshIdleTtl = TimeSpan.FromDays(30);

    /// <summary>Access-token lifetime of the <c>hubspot</c> preset: 30 minutes.</summary>
    public static readonly TimeSpan HubSpotAccessTtl = TimeSpan.FromMinutes(30);

    /// <summary>Access-token lifetime of the <c>zendesk-sell</c> preset: 1 hour.</summary>
    public static readonly TimeSpan ZendeskSellAccessTtl = TimeSpan.FromHours(1);

    /// <summary>Access-token lifetime of the <c>genesys</c> preset: 24 hours (Genesys Cloud's default).</summary>
    public static readonly TimeSpan GenesysAccessTtl = TimeSpan.FromHours(24);

    /// <summary>Access-token lifetime of the <c>xero</c> preset: 30 minutes.</summary>
    public static readonly TimeSpan XeroAccessTtl = TimeSpan.FromMinutes(30);

    /// <summary>Rotation grace of the <c>xero</c> preset: 30 minutes.</summary>
    public static readonly TimeSpan XeroRotationGrace = TimeSpan.FromMinutes(30);

    /// <summary>Refresh-token idle limit of the <c>xero</c> preset: 60 days.</summary>
    public static readonly TimeSpan XeroRefreshIdleTtl = TimeSpan.FromDays(60);

    /// <summary>Access-token lifetime of the <c>slack</c> preset: 12 hours.</summary>
    public static readonly TimeSpan SlackAccessTtl = TimeSpan.FromHours(12);
}
