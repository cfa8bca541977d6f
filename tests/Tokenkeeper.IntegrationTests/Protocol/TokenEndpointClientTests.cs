using System.Net;
using System.Security.Cryptography;
using System.Web;
using Tokenkeeper.Connections;
using Tokenkeeper.Protocol;
using Tokenkeeper.Simulator;
using Tokenkeeper.Tokens;
using Pkce = Tokenkeeper.Protocol.Pkce;

namespace Tokenkeeper.IntegrationTests.Protocol;

/// <summary>The token endpoint client against the real simulator over loopback: every grant, every client authentication,
/// discovery, revocation, and each failure shape the provider can produce.</summary>
public sealed class TokenEndpointClientTests : IAsyncLifetime
{
    private static readonly ClientIdentity Basic = new() { ClientId = "demo-client", Secret = new ClientSecret("demo-secret"), AuthMethod = ClientAuthMethod.ClientSecretBasic };
    private readonly ManualTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private static readonly RSA ClientKey = RSA.Create(2048);
    private SimulatorServer _simulator = null!;
    private HttpClient _http = null!;
    private TokenEndpointClient _client = null!;

    public async Task InitializeAsync()
    {
        var options = new SimulatorOptions { AccessTtl = TimeSpan.FromMinutes(30), Seed = 5 };
        options.Clients.Add(new SimulatorClient { ClientId = "key-client", PublicKeyPem = ClientKey.ExportSubjectPublicKeyInfoPem() });
        options.Clients.Add(new SimulatorClient { ClientId = "public-client", RedirectUris = ["http://127.0.0.1/callback"] });
        _simulator = await SimulatorServer.StartAsync(options, _clock);
        _http = new HttpClient(TokenEndpointClient.CreateDefaultHandler());
        _client = new TokenEndpointClient(_http, _clock, timeout: TimeSpan.FromSeconds(5));
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _simulator.DisposeAsync();
    }

    [Theory]
    [InlineData(ClientAuthMethod.ClientSecretBasic)]
    [InlineData(ClientAuthMethod.ClientSecretPost)]
    public async Task ClientCredentials_WithSecretAuthentication_GetsAToken(ClientAuthMethod method)
    {
        var result = await _client.RequestTokenAsync(Request(OAuthGrantType.ClientCredentials, Basic with { AuthMethod = method }) with { Scope = "contacts:read" });

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(ExpirySource.ExpiresIn, result.Tokens.ExpirySource);
        Assert.Equal(TimeSpan.FromMinutes(30), result.Tokens.Lifetime);
        Assert.Equal("contacts:read", result.Tokens.Scope);
    }

    [Fact]
    public async Task ClientCredentials_WithPrivateKeyJwt_GetsAToken()
    {
        var client = new ClientIdentity { ClientId = "key-client", AuthMethod = ClientAuthMethod.PrivateKeyJwt, SigningKey = new ClientSigningKey(ClientKey) };

        var result = await _client.RequestTokenAsync(Request(OAuthGrantType.ClientCredentials, client));

        Assert.True(result.IsSuccess, result.ToString());
    }

    [Fact]
    public async Task JwtBearerGrant_WithASignedAssertion_GetsAToken()
    {
        var key = new ClientSigningKey(ClientKey);
        var client = new ClientIdentity { ClientId = "key-client", AuthMethod = ClientAuthMethod.PrivateKeyJwt, SigningKey = key };
        var assertion = JwtAssertion.Create(key, "key-client", "test-user", _simulator.TokenEndpoint.ToString(), _clock.GetUtcNow(), TimeSpan.FromMinutes(1));

        var result = await _client.RequestTokenAsync(Request(OAuthGrantType.JwtBearer, client) with { Assertion = assertion });

        Assert.True(result.IsSuccess, result.ToString());
    }

    [Fact]
    public async Task WrongSecret_IsInvalidClient()
    {
        var result = await _client.RequestTokenAsync(Request(OAuthGrantType.ClientCredentials, Basic with { Secret = new ClientSecret("wrong") }));

        Assert.Equal(TokenFailureKind.InvalidClient, result.Failure!.Kind);
    }

    [Fact]
    public async Task AuthorizationCodeWithPkce_ThenRefresh_RotatesAndKeepsWorking()
    {
        var pkce = Pkce.Create();
        var url = AuthorizationUrl.Build(new Uri(_simulator.BaseAddress, "oauth/authorize"), "public-client", "http://127.0.0.1/callback", "contacts:read", "state-123", pkce);
        using var noRedirects = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });
        using var authorize = await noRedirects.GetAsync(url);
        var callback = HttpUtility.ParseQueryString(authorize.Headers.Location!.Query);
        var publicClient = new ClientIdentity { ClientId = "public-client", AuthMethod = ClientAuthMethod.None };

        var exchanged = await _client.RequestTokenAsync(Request(OAuthGrantType.AuthorizationCode, publicClient) with { Code = callback["code"], RedirectUri = "http://127.0.0.1/callback", CodeVerifier = pkce.Verifier });
        var refreshed = await _client.RequestTokenAsync(Request(OAuthGrantType.RefreshToken, publicClient) with { RefreshToken = exchanged.Tokens!.RefreshToken });

        Assert.Equal(HttpStatusCode.Found, authorize.StatusCode);
        Assert.Equal("state-123", callback["state"]);
        Assert.True(exchanged.IsSuccess, exchanged.ToString());
        Assert.True(refreshed.IsSuccess, refreshed.ToString());
        Assert.NotEqual(exchanged.Tokens.RefreshToken, refreshed.Tokens!.RefreshToken);
    }

    [Fact]
    public async Task AuthorizationCode_WithTheWrongVerifier_IsInvalidGrant()
    {
        var pkce = Pkce.Create();
        var url = AuthorizationUrl.Build(new Uri(_simulator.BaseAddress, "oauth/authorize"), "public-client", "http://127.0.0.1/callback", "contacts:read", "s", pkce);
        using var noRedirects = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });
        using var authorize = await noRedirects.GetAsync(url);
        var code = HttpUtility.ParseQueryString(authorize.Headers.Location!.Query)["code"];

        var result = await _client.RequestTokenAsync(Request(OAuthGrantType.AuthorizationCode, new ClientIdentity { ClientId = "public-client", AuthMethod = ClientAuthMethod.None }) with { Code = code, RedirectUri = "http://127.0.0.1/callback", CodeVerifier = Pkce.Create().Verifier });

        Assert.Equal(TokenFailureKind.InvalidGrant, result.Failure!.Kind);
    }

    [Fact]
    public async Task Discovery_FindsTheEndpoints_AndChecksTheIssuer()
    {
        var discovery = new DiscoveryClient(_http);

        var metadata = await discovery.DiscoverAsync(new Uri(_simulator.BaseAddress.ToString().TrimEnd('/')));

        Assert.Equal(_simulator.TokenEndpoint, metadata.TokenEndpoint);
        Assert.NotNull(metadata.RevocationEndpoint);
        Assert.Contains("S256", metadata.CodeChallengeMethodsSupported!);
    }

    [Fact]
    public async Task Revoking_ARefreshToken_KillsTheGrant()
    {
        var grant = await _simulator.CreateGrantAsync("demo-client", "test-user", "contacts:read");

        var failure = await _client.RevokeAsync(new Uri(_simulator.BaseAddress, "oauth/revoke"), Basic, grant.RefreshToken!, "refresh_token");
        var refresh = await _client.RequestTokenAsync(Request(OAuthGrantType.RefreshToken, Basic) with { RefreshToken = new RefreshToken(grant.RefreshToken!) });

        Assert.Null(failure);
        Assert.Equal(TokenFailureKind.InvalidGrant, refresh.Failure!.Kind);
    }

    [Theory]
    [InlineData("503", TokenFailureKind.Transient, false)]
    [InlineData("500", TokenFailureKind.Transient, true)]
    [InlineData("html:200", TokenFailureKind.Protocol, true)]
    [InlineData("html:502", TokenFailureKind.Transient, true)]
    [InlineData("truncated", TokenFailureKind.Protocol, true)]
    [InlineData("error-in-200", TokenFailureKind.Transient, false)] // the provider names server_error: it says it did not act
    [InlineData("drop-before", TokenFailureKind.Transient, true)]
    [InlineData("drop-after", TokenFailureKind.Transient, true)]
    [InlineData("429:7s", TokenFailureKind.RateLimited, false)]
    public async Task EachFaultShape_IsATypedFailure(string fault, TokenFailureKind kind, bool maybeProcessed)
    {
        _simulator.Options.Faults = [fault];
        _simulator.Options.FaultRate = 1;

        var result = await _client.RequestTokenAsync(Request(OAuthGrantType.ClientCredentials, Basic));

        Assert.False(result.IsSuccess);
        Assert.Equal(kind, result.Failure!.Kind);
        Assert.Equal(maybeProcessed, result.Failure.MaybeProcessed);
        if (fault.StartsWith("429", StringComparison.Ordinal))
        {
            Assert.Equal(TimeSpan.FromSeconds(7), result.Failure.RetryAfter);
        }
    }

    [Fact]
    public async Task ASlowEndpoint_TimesOutOnTheInjectedClock_AsTransientAndMaybeProcessed()
    {
        _simulator.Options.Faults = ["delay:60s"];
        _simulator.Options.FaultRate = 1;

        var pending = _client.RequestTokenAsync(Request(OAuthGrantType.ClientCredentials, Basic));
        await Waits.UntilAsync(() => _clock.PendingTimers >= 2, "the request and the simulator's delay to be waiting on the clock");
        _clock.Advance(TimeSpan.FromSeconds(6));
        var result = await pending;

        Assert.Equal(TokenFailureKind.Transient, result.Failure!.Kind);
        Assert.True(result.Failure.MaybeProcessed);
        Assert.Contains("did not answer", result.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NothingListening_IsTransient_AndNotProcessed()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var result = await _client.RequestTokenAsync(Request(OAuthGrantType.ClientCredentials, Basic) with { Endpoint = new Uri($"http://127.0.0.1:{port}/oauth/token") });

        Assert.Equal(TokenFailureKind.Transient, result.Failure!.Kind);
        Assert.False(result.Failure.MaybeProcessed);
    }

    [Fact]
    public async Task Personalities_ExpiryIsNormalisedFromWhatEachSends()
    {
        foreach (var (personality, profile, source) in new[]
        {
            ("salesforce", ProviderProfiles.Salesforce, ExpirySource.ProviderProfile),
            ("hubspot", ProviderProfiles.HubSpot, ExpirySource.ExpiresIn),
            ("genesys", ProviderProfiles.GenesysCloud, ExpirySource.ExpiresIn),
        })
        {
            var options = SimulatorOptions.ForPersonality(personality);
            await using var simulator = await SimulatorServer.StartAsync(options, _clock);

            var result = await _client.RequestTokenAsync(new TokenEndpointRequest { Endpoint = simulator.TokenEndpoint, Client = Basic, Grant = OAuthGrantType.ClientCredentials, Profile = profile });

            Assert.True(result.IsSuccess, $"{personality}: {result}");
            Assert.Equal(source, result.Tokens.ExpirySource);
            Assert.True(result.Tokens.ExpiresAt > _clock.GetUtcNow(), personality);
        }
    }

    private TokenEndpointRequest Request(OAuthGrantType grant, ClientIdentity client) => new() { Endpoint = _simulator.TokenEndpoint, Client = client, Grant = grant };
}
