namespace Tokenkeeper.Simulator;

/// <summary>
/// The authorization code grant (RFC 6749 §4.1.3) with PKCE S256 (RFC 7636 §4.6). A code is single-use: presenting
/// it again revokes the grant it produced (RFC 6749 §4.1.2).
/// </summary>
internal sealed class AuthorizationCodeGrant(SimulatorRuntime runtime, TokenIssuer issuer)
{
    public TokenOutcome Handle(TokenRequest request)
    {
        var form = request.Form;
        var code = form.Get("code");
        if (code is null)
        {
            return OAuthError.InvalidRequest("code is required");
        }

        if (!runtime.State.Codes.TryGetValue(code, out var record))
        {
            return OAuthError.InvalidGrant("authorization code is invalid");
        }

        var client = request.Client!;
        lock (record.Gate)
        {
            if (record.Client != client)
            {
                return OAuthError.InvalidGrant("authorization code was issued to another client");
            }

            if (record.Redeemed)
            {
                if (record.RedeemedGrant is { } replayed && replayed.Revoke(GrantRevocationReasons.AuthorizationCodeReplayed))
                {
                    Interlocked.Increment(ref runtime.Stats.GrantsRevoked);
                }

                return TokenOutcome.Failure(
                    OAuthError.InvalidGrant("authorization code was already used; the tokens issued from it are revoked"),
                    record.RedeemedGrant?.Id);
            }

            if (runtime.Clock.UtcNow >= record.ExpiresAt)
            {
                return OAuthError.InvalidGrant("authorization code expired");
            }

            var redirectUri = form.Get("redirect_uri");
            if (record.RedirectUri is not null ? redirectUri != record.RedirectUri : redirectUri is not null && !RedirectUris.IsRegistered(client.RedirectUris, redirectUri))
            {
                return OAuthError.InvalidGrant("redirect_uri does not match the authorization request");
            }

            var verifier = form.Get("code_verifier");
            if (verifier is null)
            {
                return OAuthError.InvalidGrant("code_verifier is required (PKCE)");
            }

            if (!Pkce.IsWellFormed(verifier) || !Pkce.Matches(verifier, record.CodeChallenge))
            {
                return OAuthError.InvalidGrant("code_verifier does not match the code_challenge");
            }

            record.Redeemed = true;
            var grant = issuer.CreateGrant(client, record.User, record.Scopes);
            record.RedeemedGrant = grant;
            var offline = !runtime.Options.OfflineAccessRequired || record.Scopes.Contains(AuthorizeEndpoint.OfflineAccessScope);
            return TokenOutcome.Success(IssueFirstTokens(issuer, grant, IssuedBy.AuthorizationCode, runtime.Clock.UtcNow, refreshToken: offline));
        }
    }

    /// <summary>The first token pair of a new grant: a refresh token only if the client may use the refresh grant (and
    /// <paramref name="refreshToken"/> allows one).</summary>
    public static IssuedTokens IssueFirstTokens(TokenIssuer issuer, Grant grant, IssuedBy issuedBy, DateTimeOffset now, bool includeGrantId = false, bool refreshToken = true)
    {
        string? refresh = null;
        if (refreshToken && grant.Client.GrantTypes.Contains(SimulatorGrantTypes.RefreshToken))
        {
            lock (grant.Gate)
            {
                refresh = issuer.MintRefreshToken(grant, now);
            }
        }

        var tokens = issuer.IssueAccessToken(grant.Client, grant.User, grant.Scopes, grant, issuedBy, refresh);
        tokens.IncludeGrantId = includeGrantId;
        return tokens;
    }
}
