namespace Tokenkeeper;

/// <summary>
/// A typed token endpoint failure. Carries no token or secret: <see cref="Message"/> and <see cref="Description"/>
/// are safe to log.
/// </summary>
public sealed record TokenEndpointFailure
{
    /// <summary>What the failure means (DESIGN.md contract 5).</summary>
    public required TokenFailureKind Kind { get; init; }

    /// <summary>A sentence for logs and operators.</summary>
    public required string Message { get; init; }

    /// <summary>The OAuth <c>error</c> code, after provider aliases were applied, if the body had one.</summary>
    public string? Error { get; init; }

    /// <summary>The provider's <c>error_description</c>, trimmed to <see cref="Protocol.TokenEndpointConstants.MaxDescriptionLength"/> characters.</summary>
    public string? Description { get; init; }

    /// <summary>The HTTP status, if a response arrived.</summary>
    public int? StatusCode { get; init; }

    /// <summary>How long the provider asked us to wait (<c>Retry-After</c>), if it did.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Whether the provider may have processed the request even though no usable response arrived
    /// (connection dropped after sending, timeout, truncated or HTML 200). For a refresh this means the refresh token
    /// may have been rotated: the refresh is <i>in doubt</i> (DESIGN.md contract 6).</summary>
    public bool MaybeProcessed { get; init; }

    /// <summary>Whether the request certainly never reached the provider: the connection was refused, the host name did not
    /// resolve, the network was unreachable or the TLS handshake failed. At the first request of a run this is almost always a
    /// wrong URL or a provider that is not running.</summary>
    public bool Unreachable { get; init; }

    /// <summary>The endpoint's URL (scheme, host, port and path; never a query), for a failure of the transport: unreachable,
    /// timed out, or a connection that broke mid-response. Null for an answer the provider gave.</summary>
    public string? Endpoint { get; init; }

    /// <summary>Whether retrying the same request can succeed.</summary>
    public bool IsRetryable => Kind is TokenFailureKind.Transient or TokenFailureKind.RateLimited or TokenFailureKind.Protocol;

    /// <inheritdoc />
    public override string ToString() => Error is null ? $"{Kind}: {Message}" : $"{Kind} ({Error}): {Message}";
}
