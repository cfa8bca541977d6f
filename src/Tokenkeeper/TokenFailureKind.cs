namespace Tokenkeeper;

/// <summary>What a token endpoint failure means for the caller (DESIGN.md contract 5).</summary>
public enum TokenFailureKind
{
    /// <summary>Network error, timeout, 5xx or <c>temporarily_unavailable</c>: retry with jittered backoff; keep serving a valid token.</summary>
    Transient,

    /// <summary>429 or <c>slow_down</c>: wait at least <see cref="TokenEndpointFailure.RetryAfter"/>.</summary>
    RateLimited,

    /// <summary><c>invalid_grant</c>: the grant is gone unless a peer rotated the refresh token first.</summary>
    InvalidGrant,

    /// <summary><c>invalid_client</c> or <c>unauthorized_client</c>: the client's credentials or permissions are wrong, for every connection of that client.</summary>
    InvalidClient,

    /// <summary><c>invalid_request</c>, <c>invalid_scope</c>, <c>unsupported_grant_type</c>, or a 404: the request is wrong; retrying will not help.</summary>
    InvalidRequest,

    /// <summary>The response broke the protocol: HTML, truncated JSON, no <c>access_token</c>, a bad <c>expires_in</c>, an oversized body.</summary>
    Protocol,
}
