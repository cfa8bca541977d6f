namespace Tokenkeeper.Simulator;

/// <summary>
/// The refresh token grant (RFC 6749 §6) and the four rotation modes. Everything about one grant is decided under
/// the grant's lock, so of two requests presenting the same live refresh token at the same instant exactly one
/// rotates it and the other is a reuse.
/// </summary>
/// <remarks>
/// A grant's chain: each rotation marks every live token of the current generation rotated and mints one live token
/// of the next generation. A rotated token presented inside the grace window (<see cref="RotationMode.Grace"/>) or
/// reuse interval (<see cref="RotationMode.ReuseDetection"/>, immediately previous generation only) gets a fresh
/// access token and a fresh refresh token minted as a sibling in the current generation: the newer token already
/// issued stays valid too, and the chain does not advance, so any number of concurrent retries agree.
/// Every presentation of a rotated token is counted (<c>spent_refresh_tokens_presented</c>, in the stats and on the
/// grant) before anything else is decided, so the count holds whatever the answer.
/// </remarks>
internal sealed class RefreshTokenGrant(SimulatorRuntime runtime, TokenIssuer issuer)
{
    public TokenOutcome Handle(TokenRequest request)
    {
        var presented = request.Form.Get("refresh_token");
        if (presented is null)
        {
            return OAuthError.InvalidRequest("refresh_token is required");
        }

        if (!runtime.State.RefreshTokens.TryGetValue(presented, out var record))
        {
            return TokenOutcome.Failure(OAuthError.InvalidGrant("refresh token is invalid"), presented: presented);
        }

        var grant = record.Grant;
        lock (grant.Gate)
        {
            if (!record.IsLive)
            {
                CountSpent(grant);
            }

            var outcome = Decide(request, grant, record, runtime.Clock.UtcNow);
            return outcome with { GrantId = grant.Id, Presented = presented };
        }
    }

    /// <summary>
    /// A rotated token was presented: counted whatever the answer turns out to be, under the grant's lock so that of
    /// two requests racing with the same live token only the one that finds it rotated counts.
    /// </summary>
    private void CountSpent(Grant grant)
    {
        grant.SpentRefreshTokensPresented++;
        Interlocked.Increment(ref runtime.Stats.SpentRefreshTokensPresented);
    }

    private TokenOutcome Decide(TokenRequest request, Grant grant, RefreshTokenRecord record, DateTimeOffset now)
    {
        if (grant.Client != request.Client)
        {
            return OAuthError.InvalidGrant("refresh token was issued to another client");
        }

        if (request.ResolveScope(grant.Scopes, out var scopes) is { } scopeError)
        {
            return scopeError;
        }

        var options = runtime.Options;
        if (grant.IsRevoked)
        {
            if (!record.IsLive)
            {
                Interlocked.Increment(ref runtime.Stats.RefreshTokenReuseAttempts);
            }

            return OAuthError.InvalidGrant("refresh token has been revoked");
        }

        if (grant.AbsoluteDeadline(options) is { } deadline && now >= deadline)
        {
            return OAuthError.InvalidGrant("refresh token expired");
        }

        if (options.RefreshIdleTtl is { } idle && now >= record.LastUsedAt + idle)
        {
            return OAuthError.InvalidGrant("refresh token expired due to inactivity");
        }

        return record.IsLive ? Rotate(grant, record, scopes, now) : Reuse(grant, record, scopes, now);
    }

    private TokenOutcome Rotate(Grant grant, RefreshTokenRecord record, string[] scopes, DateTimeOffset now)
    {
        grant.LastUsedAt = now;
        record.LastUsedAt = now;
        string? refreshToken = null;
        if (runtime.Options.Rotation != RotationMode.None)
        {
            foreach (var live in grant.Live)
            {
                live.RotatedAt = now;
            }

            grant.Live.Clear();
            grant.Generation++;
            refreshToken = issuer.MintRefreshToken(grant, now);
        }

        return Served(grant, scopes, refreshToken);
    }

    private TokenOutcome Reuse(Grant grant, RefreshTokenRecord record, string[] scopes, DateTimeOffset now)
    {
        var options = runtime.Options;
        var rotatedAt = record.RotatedAt!.Value;
        var tolerated = options.Rotation switch
        {
            RotationMode.Grace => now < rotatedAt + options.RotationGrace,
            RotationMode.ReuseDetection => record.Generation == grant.Generation - 1 && now < rotatedAt + options.ReuseInterval,
            _ => false,
        };
        if (tolerated)
        {
            Interlocked.Increment(ref runtime.Stats.ReuseWithinGrace);
            grant.LastUsedAt = now;
            return Served(grant, scopes, issuer.MintRefreshToken(grant, now));
        }

        Interlocked.Increment(ref runtime.Stats.RefreshTokenReuseAttempts);
        if (options.Rotation != RotationMode.ReuseDetection)
        {
            return OAuthError.InvalidGrant(options.Rotation == RotationMode.Grace
                ? "refresh token was rotated and its grace period has ended"
                : "refresh token has already been used");
        }

        if (grant.Revoke(GrantRevocationReasons.ReuseDetected))
        {
            Interlocked.Increment(ref runtime.Stats.GrantsRevoked);
            SimulatorLog.GrantRevoked(runtime.Logger, grant.Id, GrantRevocationReasons.ReuseDetected);
        }

        return OAuthError.InvalidGrant("refresh token reuse detected; the grant has been revoked");
    }

    private TokenOutcome Served(Grant grant, string[] scopes, string? refreshToken)
    {
        Interlocked.Increment(ref runtime.Stats.RefreshesServed);
        return TokenOutcome.Success(issuer.IssueAccessToken(grant.Client, grant.User, scopes, grant, IssuedBy.RefreshToken, refreshToken));
    }
}
