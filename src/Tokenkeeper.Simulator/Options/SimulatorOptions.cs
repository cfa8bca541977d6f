namespace Tokenkeeper.Simulator;

/// <summary>
/// Every dial of the simulator. A running <see cref="SimulatorServer"/> reads its options on every request, so
/// changing a dial (<see cref="FaultRate"/>, <see cref="Faults"/>, <see cref="RevokeRate"/>, …) takes effect on the
/// next request. Replace a list rather than editing it while requests are in flight.
/// <see cref="Clients"/>, <see cref="Users"/>, <see cref="TestUser"/> and <see cref="Issuer"/> are read once at start.
/// </summary>
public sealed class SimulatorOptions
{
    /// <summary>Access-token lifetime (<c>--access-ttl</c>). Default: <see cref="SimulatorDefaults.AccessTtl"/> (1 hour).</summary>
    public TimeSpan AccessTtl { get; set; } = SimulatorDefaults.AccessTtl;

    /// <summary>How token responses state the lifetime (<c>--expires-in</c>). Default: <see cref="ExpiresInStyle.Number"/>.</summary>
    public ExpiresInStyle ExpiresIn { get; set; } = ExpiresInStyle.Number;

    /// <summary>Access-token format (<c>--token-format</c>). Default: <see cref="Simulator.TokenFormat.Opaque"/>.</summary>
    public TokenFormat TokenFormat { get; set; } = TokenFormat.Opaque;

    /// <summary>How JWT access tokens are signed (dial <c>jwt_signing_algorithm</c>). Default: <see cref="Simulator.JwtSigningAlgorithm.HS256"/>.</summary>
    public JwtSigningAlgorithm JwtSigningAlgorithm { get; set; } = JwtSigningAlgorithm.HS256;

    /// <summary>
    /// Refresh tokens of a grant die this long after the grant was created (<c>--refresh-absolute-ttl</c>); token
    /// responses then carry <c>refresh_token_expires_in</c>. Default: <see langword="null"/> (never).
    /// </summary>
    public TimeSpan? RefreshAbsoluteTtl { get; set; }

    /// <summary>
    /// A refresh token dies when it has not been used successfully for this long (<c>--refresh-idle-ttl</c>).
    /// Default: <see langword="null"/> (never).
    /// </summary>
    public TimeSpan? RefreshIdleTtl { get; set; }

    /// <summary>Refresh-token rotation (<c>--rotation</c>). Default: <see cref="RotationMode.Rotate"/>.</summary>
    public RotationMode Rotation { get; set; } = RotationMode.Rotate;

    /// <summary>
    /// Under <see cref="RotationMode.Grace"/>, how long a rotated refresh token keeps working (<c>--rotation grace:N</c>).
    /// Default: <see cref="SimulatorDefaults.RotationGrace"/> (30 minutes).
    /// </summary>
    public TimeSpan RotationGrace { get; set; } = SimulatorDefaults.RotationGrace;

    /// <summary>
    /// Under <see cref="RotationMode.ReuseDetection"/>, how long after its rotation the immediately previous refresh
    /// token may still be presented without revoking the grant (<c>--reuse-interval</c>, Auth0/Okta "reuse
    /// interval"). Default: <see cref="SimulatorDefaults.ReuseInterval"/> (zero).
    /// </summary>
    public TimeSpan ReuseInterval { get; set; } = SimulatorDefaults.ReuseInterval;

    /// <summary>
    /// Token-endpoint requests each client may make per <see cref="RateLimitWindow"/> (<c>--rate-limit N/W</c>);
    /// more get 429 with <c>Retry-After</c>. Default: <see langword="null"/> (no limit).
    /// </summary>
    public int? RateLimitCount { get; set; }

    /// <summary>The fixed window of <see cref="RateLimitCount"/>. Default: <see cref="SimulatorDefaults.RateLimitWindow"/> (1 minute).</summary>
    public TimeSpan RateLimitWindow { get; set; } = SimulatorDefaults.RateLimitWindow;

    /// <summary>
    /// A slow provider (<c>--token-delay</c>, dial <c>token_delay</c>): how long every answer of the token endpoint is held
    /// after the request was processed and before it is written, waited on the injected clock. The request has
    /// already had its effect when the hold starts (a refresh has rotated the refresh token, an error has been
    /// decided), so a client that gives up while the answer is held has lost an answer the provider acted on. Not held:
    /// the 429 of <see cref="RateLimitCount"/> and injected faults that answer instead of processing. Unlike the
    /// <c>delay</c> fault, which waits before processing. Default: <see cref="SimulatorDefaults.TokenResponseDelay"/> (zero).
    /// </summary>
    public TimeSpan TokenResponseDelay { get; set; } = SimulatorDefaults.TokenResponseDelay;

    /// <summary>Probability (0-1) that a token-endpoint request gets one of <see cref="Faults"/> (<c>--fault-rate</c>). Default: 0.</summary>
    public double FaultRate { get; set; }

    /// <summary>
    /// Faults for the token endpoint, chosen uniformly (<c>--faults</c>): <c>503</c>, <c>500</c>, <c>429[:retry-after]</c>,
    /// <c>delay[:duration]</c>, <c>drop-before</c>, <c>drop-after</c>, <c>html[:200|:502]</c>, <c>truncated</c>,
    /// <c>error-in-200</c>. Default: empty.
    /// </summary>
    public IList<string> Faults { get; set; } = [];

    /// <summary>Probability (0-1) that a resource-API request gets one of <see cref="ApiFaults"/> (<c>--api-fault-rate</c>). Default: 0.</summary>
    public double ApiFaultRate { get; set; }

    /// <summary>Faults for the resource API (<c>--api-faults</c>), same names as <see cref="Faults"/>. Default: empty.</summary>
    public IList<string> ApiFaults { get; set; } = [];

    /// <summary>
    /// How far the simulator's displayed clock runs ahead (positive) or behind (negative) true time
    /// (<c>--clock-skew</c>): the <c>Date</c> header, JWT <c>iat</c>/<c>exp</c>, <c>issued_at</c> and every timestamp the
    /// simulator shows. Validity is always decided on true time. Default: zero.
    /// </summary>
    public TimeSpan ClockSkew { get; set; }

    /// <summary>
    /// Probability (0-1) that a resource-API request revokes the access token it presents before checking it
    /// (<c>--revoke-rate</c>); the grant and its refresh token stay valid. Default: 0.
    /// </summary>
    public double RevokeRate { get; set; }

    /// <summary>
    /// Whether the server offers token introspection (RFC 7662); <c>--no-introspection</c> or the dial
    /// <c>introspection_enabled</c> set to false turns it off, as for a provider without it: <c>POST /oauth/introspect</c>
    /// then answers 404 and the discovery document omits <c>introspection_endpoint</c>.
    /// Default: <see cref="SimulatorDefaults.IntrospectionEnabled"/> (true).
    /// </summary>
    public bool IntrospectionEnabled { get; set; } = SimulatorDefaults.IntrospectionEnabled;

    /// <summary>Size of the deterministic contact dataset (<c>--contacts</c>). Default: <see cref="SimulatorDefaults.Contacts"/> (50,000).</summary>
    public int Contacts { get; set; } = SimulatorDefaults.Contacts;

    /// <summary>Seed of every random choice and of the dataset (<c>--seed</c>). Default: <see cref="SimulatorDefaults.Seed"/> (1).</summary>
    public int Seed { get; set; } = SimulatorDefaults.Seed;

    /// <summary>
    /// Personality (<c>--personality</c>): shapes provider-specific responses (Salesforce 401 bodies, Slack
    /// <c>ok:false</c>, HubSpot <c>BAD_REFRESH_TOKEN</c>). Setting it does not apply a preset's dials; use
    /// <see cref="ForPersonality"/> for that. Default: <see cref="SimulatorDefaults.Personality"/> (<c>generic</c>).
    /// </summary>
    public string Personality { get; set; } = SimulatorDefaults.Personality;

    /// <summary>The person declines at the authorization endpoint: every authorization request that would be approved is
    /// redirected back with <c>error=access_denied</c> instead of a code. Default false (auto-approve).</summary>
    public bool ConsentDenied { get; set; }

    /// <summary>Like an OpenID Connect provider (OpenID Connect Core §11): an authorization code grant issues a refresh token only
    /// when its authorization request asked for the <c>offline_access</c> scope. Default false (a refresh token whenever the
    /// client may use the refresh grant). <c>openid</c> and <c>offline_access</c> are always allowed in a request.</summary>
    public bool OfflineAccessRequired { get; set; }

    /// <summary>The <c>interval</c> a device authorization answer asks clients to poll at (RFC 8628 §3.2). Default 5 seconds.</summary>
    public TimeSpan DevicePollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Registered clients. Default: one, <see cref="SimulatorClient.CreateDefault"/> (<c>demo-client</c>/<c>demo-secret</c>).</summary>
    public IList<SimulatorClient> Clients { get; set; } = [SimulatorClient.CreateDefault()];

    /// <summary>The user the authorization endpoint auto-approves for. Default: <see cref="SimulatorDefaults.TestUser"/> (<c>test-user</c>).</summary>
    public string TestUser { get; set; } = SimulatorDefaults.TestUser;

    /// <summary>
    /// Further known users: a JWT-bearer assertion's <c>sub</c> and an authorization request's <c>login_hint</c> must
    /// name <see cref="TestUser"/> or one of these. Default: empty.
    /// </summary>
    public IList<string> Users { get; set; } = [];

    /// <summary>
    /// The issuer identifier (RFC 8414), also accepted as a client assertion's <c>aud</c>. Default:
    /// <see langword="null"/>, meaning the base address without its trailing slash (<c>http://127.0.0.1:PORT</c>).
    /// </summary>
    public string? Issuer { get; set; }

    /// <summary>Lifetime of an authorization code. Default: <see cref="SimulatorDefaults.AuthorizationCodeTtl"/> (1 minute).</summary>
    public TimeSpan AuthorizationCodeTtl { get; set; } = SimulatorDefaults.AuthorizationCodeTtl;

    /// <summary>The personality names <see cref="ForPersonality"/> and <c>--personality</c> accept.</summary>
    public static IReadOnlyList<string> Personalities => PersonalityPresets.Names;

    /// <summary>Options preset for a provider personality; see docs/simulator.md for what each sets.</summary>
    /// <param name="name">One of <see cref="Personalities"/> (case-insensitive).</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a known personality; the message lists the valid ones.</exception>
    public static SimulatorOptions ForPersonality(string name) => PersonalityPresets.Create(name);

    /// <summary>Checks every dial, throwing on the first one that is out of range.</summary>
    /// <exception cref="ArgumentException">A dial is invalid; the message names it and the accepted values.</exception>
    public void Validate() => OptionsValidator.Validate(this);
}
