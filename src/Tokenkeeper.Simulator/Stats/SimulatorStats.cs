namespace Tokenkeeper.Simulator;

/// <summary>
/// A snapshot of what the simulator has served since start or the last reset: the typed form of
/// <c>GET /sim/stats</c>, whose snake_case names are given on each property.
/// </summary>
public sealed class SimulatorStats
{
    /// <summary>
    /// <c>tokens_issued</c>: access tokens issued, per way of obtaining them (<c>authorization_code</c>,
    /// <c>client_credentials</c>, <c>refresh_token</c>, <c>jwt_bearer</c>, <c>sim_grant</c>); every key is always present.
    /// </summary>
    public required IReadOnlyDictionary<string, long> TokensIssued { get; init; }

    /// <summary><c>tokens_issued.total</c>: the sum of <see cref="TokensIssued"/>.</summary>
    public long TokensIssuedTotal => TokensIssued.Values.Sum();

    /// <summary><c>token_requests</c>: requests that reached <c>POST /oauth/token</c>.</summary>
    public long TokenRequests { get; init; }

    /// <summary><c>api_requests</c>: requests that reached the resource API (<c>/api/…</c>).</summary>
    public long ApiRequests { get; init; }

    /// <summary><c>refreshes_served</c>: successful refresh-token grants (including reuse within grace).</summary>
    public long RefreshesServed { get; init; }

    /// <summary>
    /// <c>refresh_token_reuse_attempts</c>: a dead (rotated) refresh token was presented outside any grace or reuse
    /// interval.
    /// </summary>
    public long RefreshTokenReuseAttempts { get; init; }

    /// <summary><c>reuse_within_grace</c>: a rotated refresh token was presented inside the grace window or reuse interval, and served.</summary>
    public long ReuseWithinGrace { get; init; }

    /// <summary>
    /// <c>spent_refresh_tokens_presented</c>: a refresh token that had already been rotated was presented to the token
    /// endpoint and examined, whatever the answer: served inside the grace window or reuse interval (also in
    /// <see cref="ReuseWithinGrace"/>), refused as a reuse (also in <see cref="RefreshTokenReuseAttempts"/>, including
    /// on a revoked grant), or refused for another reason (expired, another client's, a scope beyond the grant's).
    /// Requests answered before the token is looked at (failed client authentication, the rate limit, a fault that
    /// answers instead) are not counted. A client that never re-sends a rotated token keeps it at 0.
    /// </summary>
    public long SpentRefreshTokensPresented { get; init; }

    /// <summary>Token-endpoint answers being held right now by the slow-provider dial (<c>--token-delay</c>): requests the provider
    /// has processed whose answers have not been written yet. A gauge, not a counter.</summary>
    public long TokenResponsesHeld { get; init; }

    /// <summary><c>grants_created</c>: grants started (authorization code redeemed, or <c>POST /sim/grants</c>).</summary>
    public long GrantsCreated { get; init; }

    /// <summary><c>grants_revoked</c>: grants revoked, for any reason (reuse detection, RFC 7009 revocation, <c>/sim</c>, code replay).</summary>
    public long GrantsRevoked { get; init; }

    /// <summary><c>invalid_grant_served</c>: token-endpoint responses with <c>invalid_grant</c>.</summary>
    public long InvalidGrantServed { get; init; }

    /// <summary><c>unauthorized_served</c>: resource-API requests refused for a missing, unknown, expired or revoked token (401, or Slack's 200 <c>ok:false</c>).</summary>
    public long UnauthorizedServed { get; init; }

    /// <summary><c>forbidden_served</c>: resource-API requests refused for insufficient scope.</summary>
    public long ForbiddenServed { get; init; }

    /// <summary><c>rate_limited_served</c>: token-endpoint requests refused by the rate limit (not counting injected 429 faults).</summary>
    public long RateLimitedServed { get; init; }

    /// <summary><c>tokens_revoked_randomly</c>: access tokens revoked by the <c>revoke_rate</c> dial.</summary>
    public long TokensRevokedRandomly { get; init; }

    /// <summary><c>faults_injected</c>: injected faults per kind, token endpoint and API together; every kind is always present.</summary>
    public required IReadOnlyDictionary<string, long> FaultsInjected { get; init; }

    /// <summary><c>faults_injected.total</c>.</summary>
    public long FaultsInjectedTotal => FaultsInjected.Values.Sum();

    /// <summary><c>api_faults_injected</c>: the part of <see cref="FaultsInjected"/> that hit the resource API.</summary>
    public required IReadOnlyDictionary<string, long> ApiFaultsInjected { get; init; }

    /// <summary><c>contacts_received</c>: contacts in stored batches (an idempotent replay adds nothing; a resend without a key does).</summary>
    public long ContactsReceived { get; init; }

    /// <summary><c>contacts_stored_distinct</c>: distinct contact ids stored.</summary>
    public long ContactsStoredDistinct { get; init; }

    /// <summary><c>duplicate_writes_absorbed</c>: batches answered from the idempotency store instead of being stored again.</summary>
    public long DuplicateWritesAbsorbed { get; init; }

    /// <summary><c>idempotency_conflicts</c>: batches refused with 422 because their key was used with another body.</summary>
    public long IdempotencyConflicts { get; init; }

    /// <summary><c>batches_stored</c>: batches stored.</summary>
    public long BatchesStored { get; init; }

    /// <summary><c>internal_errors</c>: requests that hit the catch-all handler (a simulator bug); should stay 0.</summary>
    public long InternalErrors { get; init; }
}
