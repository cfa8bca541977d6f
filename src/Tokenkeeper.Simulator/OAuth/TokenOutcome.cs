namespace Tokenkeeper.Simulator;

/// <summary>The result of a grant: tokens, or an RFC error; plus what the log line needs.</summary>
internal readonly record struct TokenOutcome(IssuedTokens? Tokens, OAuthError? Error, string? GrantId, string? Presented)
{
    public static TokenOutcome Success(IssuedTokens tokens, string? presented = null) =>
        new(tokens, null, tokens.Access.Grant?.Id, presented);

    public static TokenOutcome Failure(OAuthError error, string? grantId = null, string? presented = null) =>
        new(null, error, grantId, presented);

    public static implicit operator TokenOutcome(OAuthError error) => Failure(error);
}
