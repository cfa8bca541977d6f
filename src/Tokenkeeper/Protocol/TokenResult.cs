using System.Diagnostics.CodeAnalysis;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Protocol;

/// <summary>The expected outcomes of a token request: new tokens, or a typed failure. Unexpected faults are exceptions.</summary>
internal sealed class TokenResult
{
    private TokenResult(TokenSet? tokens, TokenEndpointFailure? failure, RefreshToken? rotatedRefreshToken = null)
    {
        Tokens = tokens;
        Failure = failure;
        RotatedRefreshToken = rotatedRefreshToken;
    }

    /// <summary>The tokens, when the request succeeded.</summary>
    public TokenSet? Tokens { get; }

    /// <summary>The failure, when it did not.</summary>
    public TokenEndpointFailure? Failure { get; }

    /// <summary>
    /// A failed result whose response was a success all the same and carried a new refresh token (a 2xx with a usable
    /// <c>refresh_token</c> but, say, a garbled <c>expires_in</c>): the provider has rotated, the refresh token that was sent
    /// is dead, and this one is now the only live one. It must be kept, and the request must not be retried with the old
    /// token (contract 5: never destroy). Null on success and for every other failure.
    /// </summary>
    public RefreshToken? RotatedRefreshToken { get; }

    /// <summary>Whether the request produced tokens.</summary>
    [MemberNotNullWhen(true, nameof(Tokens))]
    [MemberNotNullWhen(false, nameof(Failure))]
    public bool IsSuccess => Tokens is not null;

    /// <summary>A successful result.</summary>
    public static TokenResult Success(TokenSet tokens) => new(tokens ?? throw new ArgumentNullException(nameof(tokens)), null);

    /// <summary>A failed result.</summary>
    public static TokenResult Failed(TokenEndpointFailure failure) => new(null, failure ?? throw new ArgumentNullException(nameof(failure)));

    /// <summary>A failed result that carried a new refresh token (see <see cref="RotatedRefreshToken"/>).</summary>
    public static TokenResult FailedAfterRotation(TokenEndpointFailure failure, RefreshToken rotatedRefreshToken) =>
        new(null, failure ?? throw new ArgumentNullException(nameof(failure)), rotatedRefreshToken);

    /// <inheritdoc />
    public override string ToString() => IsSuccess ? $"Success({Tokens.AccessToken})" : $"Failed({Failure})";
}
