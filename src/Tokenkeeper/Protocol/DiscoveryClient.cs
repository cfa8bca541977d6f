using System.Text.Json;

namespace Tokenkeeper.Protocol;

/// <summary>Fetches RFC 8414 authorization server metadata (falling back to OpenID Connect discovery).</summary>
internal sealed class DiscoveryClient
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
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TokenEndpointConstants.DefaultTimeout);
            try
            {
                using var response = await _http.GetAsync(candidate, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    problems.Add($"{candidate.AbsolutePath}: HTTP {(int)response.StatusCode}");
                    continue;
                }

                var body = response.Content.Headers.ContentLength > TokenEndpointConstants.MaxResponseBytes
                    ? null
                    : await TokenEndpointExchange.ReadCappedAsync(response.Content, timeout.Token).ConfigureAwait(false);
                if (body is null)
                {
                    problems.Add($"{candidate.AbsolutePath}: metadata larger than {TokenEndpointConstants.MaxResponseBytes / 1024} KiB");
                    continue;
                }

                metadata = JsonSerializer.Deserialize<AuthorizationServerMetadata>(body, JsonSerializerOptions.Web);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                problems.Add($"{candidate.AbsolutePath}: no answer within {TokenEndpointConstants.DefaultTimeout.TotalSeconds:0} s");
                continue;
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
            foreach (var (endpoint, name) in new[] { (metadata.RevocationEndpoint, "revocation_endpoint"), (metadata.IntrospectionEndpoint, "introspection_endpoint"), (metadata.AuthorizationEndpoint, "authorization_endpoint") })
            {
                if (endpoint is not null)
                {
                    EndpointSecurity.EnsureAllowed(endpoint, allowInsecureHttp, name);
                }
            }

            return metadata;
        }

        throw new TokenkeeperConfigurationException($"No authorization server metadata for '{issuer}': {string.Join("; ", problems)}.");
    }
}
