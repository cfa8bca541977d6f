namespace Tokenkeeper.Simulator;

/// <summary>
/// The device code grant at the token endpoint (RFC 8628 §3.4-3.5): <c>authorization_pending</c> until the person decides,
/// <c>slow_down</c> (and 5 more seconds of interval) for a client polling faster than asked, <c>access_denied</c>,
/// <c>expired_token</c>, or the first tokens of a new grant, once.
/// </summary>
internal sealed class DeviceCodeGrant(SimulatorRuntime runtime, TokenIssuer issuer)
{
    public TokenOutcome Handle(TokenRequest request)
    {
        var client = request.Client!;
        var code = request.Form.Get("device_code");
        if (code is null || !runtime.State.DeviceCodes.TryGetValue(code, out var device) || device.Client.ClientId != client.ClientId)
        {
            return OAuthError.InvalidGrant("unknown device_code");
        }

        var now = runtime.Clock.UtcNow;
        lock (device.Gate)
        {
            if (device.Redeemed)
            {
                return OAuthError.InvalidGrant("device_code was already used");
            }

            if (now >= device.ExpiresAt)
            {
                return new OAuthError("expired_token", "the device code expired before the user decided");
            }

            if (device.Denied)
            {
                return new OAuthError("access_denied", "the user declined the request");
            }

            if (device.ApprovedFor is not { } user)
            {
                var tooSoon = device.LastPolledAt is { } last && now - last < device.Interval;
                device.LastPolledAt = now;
                if (tooSoon)
                {
                    device.Interval += TimeSpan.FromSeconds(5);
                    return new OAuthError("slow_down", $"poll no more often than every {device.Interval.TotalSeconds:0} s");
                }

                return new OAuthError("authorization_pending", "the user has not decided yet");
            }

            device.Redeemed = true;
            var grant = issuer.CreateGrant(client, user, device.Scopes);
            var offline = !runtime.Options.OfflineAccessRequired || device.Scopes.Contains(AuthorizeEndpoint.OfflineAccessScope);
            return TokenOutcome.Success(AuthorizationCodeGrant.IssueFirstTokens(issuer, grant, IssuedBy.DeviceCode, now, refreshToken: offline));
        }
    }
}
