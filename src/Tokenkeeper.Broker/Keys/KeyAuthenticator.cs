using Microsoft.AspNetCore.Http;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Broker.Keys;

/// <summary>Finds the key of a request (<c>Authorization: Bearer tk_…</c>): a known, unrevoked key, or null.</summary>
internal sealed class KeyAuthenticator(IApiKeyStore keys)
{
    /// <summary>The caller's key, or null when there is none, it is unknown, or it was revoked (all answered alike: 401).</summary>
    public async ValueTask<CallerKey?> AuthenticateAsync(HttpRequest request, CancellationToken cancellationToken)
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
