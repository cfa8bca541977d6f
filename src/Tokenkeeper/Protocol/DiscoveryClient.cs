using System.Net.Http.Json;
using System.Text.Json;

namespace Tokenkeeper.Protocol;

/// <summary>Fetches RFC 8414 authorization server metadata (falling back to OpenID Connect discovery).</summary>
public sealed class DiscoveryClient
{
    private readonly HttpClient _http;

    /// <summary>Creates a discovery client over <paramref name="http"/>.</summary>
    public DiscoveryClient(HttpClient http) => _http = http ?? throw new ArgumentNullException(nameof(http));

    /// <summary>
    /// Fetches <c>/.well-known/oauth-authorization-server</c> for <paramref name="issuer"/> (RFC 8414 §3: the well-known
    /// segment goes between the host and the issuer's path), then <c>/.well-known/openid-configuration</c>. Checks that the
    /// metadata's <c>issuer</c> equals <paramref name="issuer"/> (RFC 8414 §3.3) and that every endpoint is allowed.
    /// </summary>
    /// <exception cref="TokenkeeperConfigurationException">No metadata, a mismatched issuer, or an insecure endpoint.</exception>
    public async Task<AuthorizationServerMetadata> DiscoverAsync(Uri issuer, bool allowInsecureHttp = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        EndpointSecurity.EnsureAllowed(issuer, allowInsecureHttp, "issuer");
        var path = issuer.AbsolutePath.TrimEnd('/');
        var authority = issuer.GetLeftPart(UriPartial.Authority);
        Uri[] candidates =
        [
            new($"{authority}/.well-known/oauth-authorization-server{path}"),
            new($"{issuer.ToString().TrimEnd('/')}/.well-known/openid-configuration"),
        ];

        var problems = new List<string>();
        foreach (var candidate in candidates)
        {
            AuthorizationServerMetadata? metadata;
            try
            {
                using var response = await _http.GetAsync(candidate, cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    problems.Add($"{candidate.AbsolutePath}: HTTP {(int)response.StatusCode}");
                    continue;
                }

                metadata = await response.Content.ReadFromJsonAsync<AuthorizationServerMetadata>(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or JsonException or NotSupportedException)
            {
                problems.Add($"{candidate.AbsolutePath}: {ex.GetType().Name}");
                continue;
            }

            if (metadata?.TokenEndpoint is null)
            {
                problems.Add($"{candidate.AbsolutePath}: no token_endpoint");
                continue;
            }

            if (!string.Equals(metadata.Issuer?.TrimEnd('/'), issuer.ToString().TrimEnd('/'), StringComparison.Ordinal))
            {
                throw new TokenkeeperConfigurationException($"Metadata at {candidate} names issuer '{metadata.Issuer}', not '{issuer}' (RFC 8414 §3.3).");
            }

            EndpointSecurity.EnsureAllowed(metadata.TokenEndpoint, allowInsecureHttp);
            return metadata;
        }

        throw new TokenkeeperConfigurationException($"No authorization server metadata for '{issuer}': {string.Join("; ", problems)}.");
    }
}
