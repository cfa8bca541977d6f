using System.Net.Http.Headers;
using BenchmarkDotNet.Attributes;
using Tokenkeeper.Http;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Benchmarks.Engine;

/// <summary>
/// The CPU and allocation cost the <see cref="TokenkeeperHandler"/> adds to one request, without a network: the same
/// <see cref="HttpClient.SendAsync(HttpRequestMessage, CancellationToken)"/> GET through a stub inner handler that answers 200
/// at once, with the token attached by the handler (default options: retries on, so the GET goes through the Polly
/// pipeline) or by <see cref="HttpClient.DefaultRequestHeaders"/>. The loopback comparison is in the <c>engine</c> scenario.
/// Run: <c>dotnet run -c Release --project bench/Tokenkeeper.Benchmarks -- --filter '*HandlerBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
public class HandlerBenchmarks
{
    private HttpClient _plain = null!;
    private HttpClient _tokenkeeper = null!;
    private HttpClient _tokenkeeperNoRetries = null!;
    private TokenManager _manager = null!;

    [GlobalSetup]
    public void Setup()
    {
        var idp = new StubIdentityProvider();
        _manager = new TokenManager(new InMemoryTokenStore(), new TokenEndpointClient(new HttpClient(idp)), new TokenManagerOptions { RefreshAheadJitter = 0 });
        _manager.Define(TokenkeeperContender.Definition(StubIdentityProvider.TokenEndpoint));
        var token = _manager.GetAccessTokenAsync(TokenkeeperContender.ConnectionId).AsTask().GetAwaiter().GetResult();
        _plain = new HttpClient(new StubApiHandler());
        _plain.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(token.TokenType, token.Token.Value);
        _tokenkeeper = new HttpClient(new TokenkeeperHandler(_manager, TokenkeeperContender.ConnectionId) { InnerHandler = new StubApiHandler() });
        _tokenkeeperNoRetries = new HttpClient(new TokenkeeperHandler(_manager, TokenkeeperContender.ConnectionId, new TokenkeeperHandlerOptions { MaxRetries = 0 }) { InnerHandler = new StubApiHandler() });
        Check(_plain);
        Check(_tokenkeeper);
        Check(_tokenkeeperNoRetries);
    }

    [Benchmark(Baseline = true, Description = "HttpClient, fixed Authorization header")]
    public Task<int> Plain() => SendAsync(_plain);

    [Benchmark(Description = "HttpClient + TokenkeeperHandler (defaults)")]
    public Task<int> Tokenkeeper() => SendAsync(_tokenkeeper);

    [Benchmark(Description = "HttpClient + TokenkeeperHandler (MaxRetries = 0)")]
    public Task<int> TokenkeeperNoRetries() => SendAsync(_tokenkeeperNoRetries);

    private static async Task<int> SendAsync(HttpClient client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, StubIdentityProvider.Api);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        return (int)response.StatusCode;
    }

    private static void Check(HttpClient client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, StubIdentityProvider.Api);
        using var response = client.SendAsync(request).GetAwaiter().GetResult();
        if (response.RequestMessage?.Headers.Authorization?.Scheme != "Bearer")
        {
            throw new InvalidOperationException("no Bearer Authorization header was sent");
        }
    }
}
