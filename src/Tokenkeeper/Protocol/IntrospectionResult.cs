namespace Tokenkeeper.Protocol;

/// <summary>What an RFC 7662 introspection endpoint said about a token: active or not, or why it could not say.</summary>
internal sealed record IntrospectionResult
{
    /// <summary>Whether the provider says the token is active; null when it could not be asked (see <see cref="Failure"/>).</summary>
    public bool? Active { get; init; }

    /// <summary>Why the provider could not be asked, or answered something other than an introspection response.</summary>
    public TokenEndpointFailure? Failure { get; init; }

    /// <summary>Whether asking again later can succeed: the endpoint was unreachable, timed out or answered 5xx/429, as opposed to
    /// refusing the request (401, 403, 404, another 4xx) or answering garbage.</summary>
    public bool IsRetryable => Failure is { Kind: TokenFailureKind.Transient or TokenFailureKind.RateLimited };
}
