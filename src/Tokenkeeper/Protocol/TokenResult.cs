using System.Diagnostics.CodeAnalysis;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Protocol;

/// <summary>The expected outcomes of a token request: new tokens, or a typed failure. Unexpected faults are exceptions.</summary>
public sealed class TokenResult
{
    private TokenResult(TokenSet? tokens, TokenEndpointFailure? failure)
    {
        Tokens = tokens;
        Failure = failure;
    }

    /// <summary>The tokens, when the request succeeded.</summary>
    public TokenSet? Tokens { get; }

    /// <summary>The failure, when it did not.</summary>
    public TokenEndpointFailure? Failure { get; }

    /// <summary>Whether the request produced tokens.</summary>
    [MemberNotNullWhen(true, nameof(Tokens))]
    [MemberNotNullWhen(false, nameof(Failure))]
    public bool IsSuccess => Tokens is not null;

    /// <summary>A successful result.</summary>
    public static TokenResult Success(TokenSet tokens) => new(tokens ?? throw new ArgumentNullException(nameof(tokens)), null);

    /// <summary>A failed result.</summary>
    public static TokenResult Failed(TokenEndpointFailure failure) => new(null, failure ?? throw new ArgumentNullException(nameof(failure)));

    /// <inheritdoc />
    public override string ToString() => IsSuccess ? $"Success({Tokens.AccessToken})" : $"Failed({Failure})";
}
