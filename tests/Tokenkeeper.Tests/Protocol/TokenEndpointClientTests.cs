using Microsoft.Extensions.Time.Testing;
using Tokenkeeper.Protocol;
using Tokenkeeper.Tests.Support;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Tests.Protocol;

public sealed class TokenEndpointClientTests
{
    [Fact]
    public async Task TokenRequests_AskForTheConnectionToBeClosed_SoTheyNeverTravelOnAReusedConnection()
    {
        var clock = new FakeTimeProvider();
        var provider = new InMemoryProvider(clock);
        var seen = new List<bool?>();
        var client = new TokenEndpointClient(new HttpClient(new Spy(provider, seen)), clock);

        await client.RequestTokenAsync(Request(OAuthGrantType.RefreshToken, new RefreshToken(provider.NewRefreshToken())));
        await client.RequestTokenAsync(Request(OAuthGrantType.ClientCredentials, null));

        Assert.Equal([true, true], seen);
        Assert.Equal(TimeSpan.Zero, TokenEndpointClient.CreateDefaultHandler().PooledConnectionLifetime);
    }

    [Theory]
    [InlineData("http://token.example.com/oauth/token")]
    [InlineData("ftp://127.0.0.1/oauth/token")]
    public async Task PlainHttpOffLoopback_IsRefusedBeforeAnythingIsSent(string endpoint)
    {
        var clock = new FakeTimeProvider();
        var provider = new InMemoryProvider(clock);
        var client = new TokenEndpointClient(new HttpClient(provider), clock);

        await Assert.ThrowsAsync<TokenkeeperConfigurationException>(() => client.RequestTokenAsync(Request(OAuthGrantType.ClientCredentials, null) with { Endpoint = new Uri(endpoint) }));

        Assert.Equal(0, provider.Requests);
    }

    [Fact]
    public async Task PlainHttpOffLoopback_IsAllowedWhenExplicitlyAllowed()
    {
        var clock = new FakeTimeProvider();
        var provider = new InMemoryProvider(clock);
        var client = new TokenEndpointClient(new HttpClient(provider), clock);

        var result = await client.RequestTokenAsync(Request(OAuthGrantType.ClientCredentials, null) with { Endpoint = new Uri("http://staging.example.com/token"), AllowInsecureHttp = true });

        Assert.True(result.IsSuccess);
    }

    private static TokenEndpointRequest Request(OAuthGrantType grant, RefreshToken? refresh) => new()
    {
        Endpoint = InMemoryProvider.TokenEndpoint,
        Client = new ClientIdentity { ClientId = "c", Secret = new ClientSecret("s") },
        Grant = grant,
        RefreshToken = refresh,
    };

    private sealed class Spy(HttpMessageHandler inner, List<bool?> seen) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            seen.Add(request.Headers.ConnectionClose);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
