using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Tokenkeeper.Benchmarks.Engine;

/// <summary>
/// The token manager of seeds/004 ("Token refresh logic — my access token expires mid-batch"), ported faithfully to C#:
/// one lock held across check-and-refresh on every call, a 120 s safety margin, client-credentials grant, a fresh token
/// fetched by whichever caller holds the lock. Written the way a careful C# developer would port it: an async
/// <see cref="SemaphoreSlim"/> (the async equivalent of Python's <c>threading.Lock</c>), a <see cref="ValueTask{T}"/> so the
/// cached path allocates nothing, a shared pooled <see cref="HttpClient"/>. No artificial delays.
/// </summary>
/// <remarks>
/// One deviation: the seed reads the expiry from the JWT's <c>exp</c> claim; the simulator issues opaque tokens by default, so
/// this port computes it from <c>expires_in</c>, as the seed's own text recommends ("store both values and calculate the
/// absolute expiration timestamp"). Like the seed, it reads "now" before taking the lock.
/// </remarks>
internal sealed class NaiveTokenManager(HttpClient http, Uri tokenEndpoint, string clientId, string clientSecret, string scope, TimeProvider time) : IDisposable
{
    private static readonly TimeSpan RefreshMargin = TimeSpan.FromSeconds(120);

    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly AuthenticationHeaderValue _basic = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.EscapeDataString(clientId) + ":" + Uri.EscapeDataString(clientSecret))));
    private CachedToken? _cache;

    /// <summary>When the cached token is refreshed (its expiry minus the margin); null before the first token.</summary>
    public DateTimeOffset? RefreshAt => _cache is { } cached ? cached.ExpiresAt - RefreshMargin : null;

    /// <summary>The seed's <c>get_valid_token</c>.</summary>
    public async ValueTask<string> GetValidTokenAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _cache ??= await RefreshTokenAsync(cancellationToken).ConfigureAwait(false);
            if (now + RefreshMargin >= _cache.ExpiresAt)
            {
                _cache = await RefreshTokenAsync(cancellationToken).ConfigureAwait(false);
            }

            return _cache.Token;
        }
        finally
        {
            _lock.Release();
        }
    }

    public void Dispose() => _lock.Dispose();

    /// <summary>The seed's <c>_refresh_token</c>: 401 is fatal, 429 waits <c>Retry-After</c> and tries again, other errors throw.</summary>
    private async Task<CachedToken> RefreshTokenAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, tokenEndpoint)
            {
                Content = new FormUrlEncodedContent([new("grant_type", "client_credentials"), new("scope", scope)]),
            };
            request.Headers.Authorization = _basic;
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                throw new InvalidOperationException("Invalid client credentials. Verify CLIENT_ID and CLIENT_SECRET.");
            }

            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                var retryAfter = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(5);
                await Task.Delay(retryAfter, time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            using var json = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false);
            var root = json.RootElement;
            var expiresIn = root.GetProperty("expires_in");
            var seconds = expiresIn.ValueKind == JsonValueKind.String ? double.Parse(expiresIn.GetString()!, CultureInfo.InvariantCulture) : expiresIn.GetDouble();
            return new CachedToken(root.GetProperty("access_token").GetString()!, time.GetUtcNow() + TimeSpan.FromSeconds(seconds));
        }
    }

    private sealed record CachedToken(string Token, DateTimeOffset ExpiresAt);
}
