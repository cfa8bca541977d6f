namespace Tokenkeeper.Simulator;

/// <summary>The client credentials grant (RFC 6749 §4.4): an access token for the client itself, no refresh token.</summary>
internal sealed class ClientCredentialsGrant(TokenIssuer issuer)
{
    public TokenOutcome Handle(TokenRequest request)
    {
        var client = request.Client!;
        if (!request.Authentication.IsConfidential)
        {
            return OAuthError.UnauthorizedClient("client_credentials needs a client that authenticates (secret or private_key_jwt)");
        }

        if (request.ResolveScope(client.Scopes, out var scopes) is { } scopeError)
        {
            return scopeError;
        }

        return TokenOutcome.Success(issuer.IssueAccessToken(client, client.ClientId, scopes, grant: null, IssuedBy.ClientCredentials));
    }
}
