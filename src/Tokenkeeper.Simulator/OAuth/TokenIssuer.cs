namespace Tokenkeeper.Simulator;

/// <summary>Creates grants, refresh tokens and access tokens, and records them in the state.</summary>
internal sealed class TokenIssuer(SimulatorRuntime runtime)
{
    public Grant CreateGrant(RegisteredClient client, string user, string[] scopes)
    {
        var state = runtime.State;
        var grant = new Grant(state.NextGrantId(), client, user, scopes, runtime.Clock.UtcNow);
        state.Grants[grant.Id] = grant;
        Interlocked.Increment(ref state.Stats.GrantsCreated);
        return grant;
    }

    /// <summary>Adds a live refresh token to the grant's current generation. Call under the grant's lock.</summary>
    public string MintRefreshToken(Grant grant, DateTimeOffset now)
    {
        var record = new RefreshTokenRecord(grant, grant.Generation, now);
        var value = TokenValues.NewOpaque();
        grant.Live.Add(record);
        runtime.State.RefreshTokens[value] = record;
        return value;
    }

    public IssuedTokens IssueAccessToken(RegisteredClient client, string subject, string[] scopes, Grant? grant, IssuedBy issuedBy, string? refreshToken = null)
    {
        var state = runtime.State;
        var now = runtime.Clock.UtcNow;
        var record = new AccessTokenRecord(client, subject, scopes, grant, now, now + runtime.Options.AccessTtl);
        var token = runtime.Options.TokenFormat == TokenFormat.Jwt ? runtime.Jwt.Issue(record, TokenValues.NewId()) : TokenValues.NewOpaque();
        state.AddAccessToken(token, record, now);
        state.Stats.TokenIssued(issuedBy);

        return new IssuedTokens(token, record, issuedBy) { RefreshToken = refreshToken };
    }
}
