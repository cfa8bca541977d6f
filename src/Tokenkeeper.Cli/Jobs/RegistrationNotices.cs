using Tokenkeeper.Diagnostics;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;
using Tokenkeeper.Sync;

namespace Tokenkeeper.Cli.Jobs;

/// <summary>What registering a job file's connection did, said once, in words (tokens as fingerprints only).</summary>
internal static class RegistrationNotices
{
    public static string? For(ConnectionDefinition connection, RegistrationOutcome outcome, JobFile file)
    {
        var id = connection.ConnectionId;
        var origin = file.RefreshTokenOrigins.TryGetValue(id, out var where) ? where : "the job file";
        var fingerprint = TokenFingerprint.Of(connection.BootstrapRefreshToken?.Value);
        if (outcome.Created)
        {
            return connection.BootstrapRefreshToken is null
                ? connection.Registration.Grant == OAuthGrantType.RefreshToken
                    ? $"Connection '{id}' registered without a refresh token: it needs one (refreshToken) before it can be used."
                    : $"Connection '{id}' registered ({GrantName(connection.Registration.Grant)})."
                : $"Connection '{id}' registered with the refresh token from {origin} ({fingerprint}); from now on the store keeps the live, rotated one.";
        }

        if (outcome.Reauthorized)
        {
            return $"Connection '{id}' re-authorised with the new refresh token from {origin} ({fingerprint}).";
        }

        if (outcome.BootstrapSpent)
        {
            return $"Connection '{id}' needs re-authorisation, and the refresh token from {origin} ({fingerprint}) is the one it was started with: already spent. Put a newly authorised refresh token there.";
        }

        if (outcome.BootstrapIgnored)
        {
            return $"Connection '{id}': the store already holds a live refresh token, so the one from {origin} is ignored (said once).";
        }

        return outcome.RegistrationUpdated ? $"Connection '{id}': registration updated from the job file (its tokens are kept)." : null;
    }

    private static string GrantName(OAuthGrantType grant) => grant switch
    {
        OAuthGrantType.ClientCredentials => "client_credentials",
        OAuthGrantType.JwtBearer => "jwt_bearer",
        _ => "refresh_token",
    };
}
