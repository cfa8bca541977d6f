namespace Tokenkeeper.Simulator;

/// <summary>
/// The JWT-bearer grant (RFC 7523 §2.1): an assertion signed with a client's registered key, <c>sub</c> naming a
/// known user, gets an access token for that user; no refresh token. Client authentication is optional; when
/// present it must be the assertion's issuer.
/// </summary>
internal sealed class JwtBearerGrant(AssertionValidator assertions, TokenIssuer issuer)
{
    public TokenOutcome Handle(TokenRequest request)
    {
        var assertion = request.Form.Get("assertion");
        if (assertion is null)
        {
            return OAuthError.InvalidRequest("assertion is required");
        }

        var result = assertions.Validate(assertion, forGrant: true);
        if (!result.IsValid)
        {
            return OAuthError.InvalidGrant("assertion rejected: " + result.Problem);
        }

        var client = result.Client!;
        if (request.Client is not null && request.Client != client)
        {
            return OAuthError.InvalidGrant("the assertion's issuer is not the authenticated client");
        }

        if (!client.GrantTypes.Contains(SimulatorGrantTypes.JwtBearer))
        {
            return OAuthError.UnauthorizedClient($"client '{client.ClientId}' may not use the jwt-bearer grant");
        }

        if (request.ResolveScope(client.Scopes, out var scopes) is { } scopeError)
        {
            return scopeError;
        }

        return TokenOutcome.Success(issuer.IssueAccessToken(client, result.Subject!, scopes, grant: null, IssuedBy.JwtBearer));
    }
}
