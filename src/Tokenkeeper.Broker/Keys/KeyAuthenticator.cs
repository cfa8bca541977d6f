using Microsoft.AspNetCore.Http;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Broker.Keys;

/// <summary>Finds the key of a request (<c>Authorization: Bearer tk_…</c>): a known, unrevoked key, or null. Counts requests
/// without one per client address (<see cref="FailedAttemptLimiter"/>).</summary>
internal sealed class KeyAuthenticator(IApiKeyStore keys, FailedAttemptLimiter limiter)
{
    /// <summary>When the request's address may try again, if it made too many requests without a valid key.</summary>
    public DateTimeOffset? BlockedUntil(HttpRequest request) => limiter.BlockedUntil(request.HttpContext.Connection.RemoteIpAddress);

    /// <summary>The caller's key, or null when there is none, it is unknown, or it was revoked (all answered alike: 401).</summary>
    public async ValueTask<CallerKey?> AuthenticateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var caller = await FindAsync(request, cancellationToken).ConfigureAwait(false);
        if (caller is null)
        {
            limiter.Failed(request.HttpContext.Connection.RemoteIpAddress);
        }

        return caller;
    }

    private async ValueTask<CallerKey?> FindAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var header = request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var presented = header[Scheme.Length..].Trim();
        if (!ApiKeys.LooksLikeKey(presented))
        {
            return null;
        }

        var stored = await keys.FindKeyAsync(ApiKeys.Hash(presented), cancellationToken).ConfigureAwait(false);
        return stored is { RevokedAt: null } ? new CallerKey(stored) : null;
    }
}
