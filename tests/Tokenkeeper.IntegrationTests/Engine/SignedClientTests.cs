using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tokenkeeper.Connections;
using Tokenkeeper.Hosting;
using Tokenkeeper.IntegrationTests.Support;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;
using Tokenkeeper.Simulator;

namespace Tokenkeeper.IntegrationTests.Engine;

/// <summary>
/// Connections that sign instead of sending a secret, registered the way users register them (<c>AddTokenkeeper</c> and
/// <see cref="TokenManager"/>), against the simulator, which verifies each signature against the client's registered public
/// key: the JWT-bearer grant, and <c>private_key_jwt</c> client authentication on a rotating refresh-token grant. The tokens
/// they get must work on the API, be renewed when they expire, and no key or token may reach a log line or the store file.
/// </summary>
public sealed class SignedClientTests
{
    private const string KeyClient = "key-client";
    private const string Scope = "contacts:read";
    private static readonly TimeSpan AccessTtl = TimeSpan.FromMinutes(10);

    [Theory]
    [InlineData("RS256")]
    [InlineData("ES256")]
    public async Task JwtBearerGrant_ThroughAddTokenkeeper_GetsTokensTheApiAccepts_AndANewOneAfterExpiry(string algorithm)
    {
        using var key = CreateKey(algorithm);
        await using var h = await StartAsync(key);
        await using var services = BuildServices(h, "erp", o =>
        {
            o.Grant = OAuthGrantType.JwtBearer;
            o.JwtBearerSubject = h.Simulator.Options.TestUser;
            o.ClientAuthMethod = ClientAuthMethod.PrivateKeyJwt;
            o.SigningKeyPem = key.ExportPkcs8PrivateKeyPem();
            o.SigningKeyId = "key-1";
        });
        var api = services.GetRequiredService<IHttpClientFactory>().CreateClient("erp");
        var manager = services.GetRequiredService<TokenManager>();

        using (var first = await api.GetAsync("api/contacts?limit=1"))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        var firstToken = await manager.GetAccessTokenAsync("erp");
        h.Clock.Advance(AccessTtl + TimeSpan.FromMinutes(1));
        using (var afterExpiry = await api.GetAsync("api/contacts?limit=1"))
        {
            Assert.Equal(HttpStatusCode.OK, afterExpiry.StatusCode);
        }

        var stats = h.Simulator.GetStats();
        var record = (await manager.GetConnectionAsync("erp"))!;
        Assert.Equal(2, stats.TokensIssued.GetValueOrDefault("jwt_bearer"));
        Assert.Equal(0, stats.UnauthorizedServed);
        Assert.NotEqual(firstToken.Token, record.Tokens!.AccessToken);
        Assert.Null(record.Tokens.RefreshToken);
        Assert.Equal(ConnectionState.Active, record.Status.State);
        Assert.Equal(2, h.IssuedAccessTokens.Count);
        h.AssertNoSecretLeaked([key.ExportPkcs8PrivateKeyPem(), Base64Body(key.ExportPkcs8PrivateKeyPem())]);
    }

    [Fact]
    public async Task PrivateKeyJwtClient_OnARotatingRefreshGrant_ThroughTokenManager_EveryTokenWorksOnTheApi()
    {
        using var key = RSA.Create(2048);
        await using var h = await StartAsync(key, RotationMode.ReuseDetection);
        var grant = await h.Simulator.CreateGrantAsync(KeyClient, h.Simulator.Options.TestUser, Scope);
        h.Remember(grant.RefreshToken);
        h.Remember(grant.AccessToken);
        var manager = h.CreateManager(h.OpenStore());
        await manager.RegisterAsync(SignedConnection(h, key.ExportPkcs8PrivateKeyPem(), ClientAuthMethod.PrivateKeyJwt, grant.RefreshToken).ToDefinition("crm"));
        using var api = h.ApiClient(manager, "crm");
        var seen = new HashSet<string>(StringComparer.Ordinal);

        // Two forced refreshes at the same instant: each client assertion needs its own jti, or the provider refuses the second.
        for (var round = 0; round < 3; round++)
        {
            using var response = await api.GetAsync("api/contacts?limit=1");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            seen.Add((await manager.GetAccessTokenAsync("crm")).Token.Value);
            if (round < 2)
            {
                await manager.RefreshAsync("crm");
            }
        }

        var stats = h.Simulator.GetStats();
        var record = (await manager.GetConnectionAsync("crm"))!;
        Assert.Equal(3, seen.Count);
        Assert.Equal(3, stats.RefreshesServed);
        Assert.Equal(0, stats.RefreshTokenReuseAttempts);
        Assert.Equal(ConnectionState.Active, record.Status.State);
        Assert.Contains(record.Tokens!.RefreshToken!.Value.Value, h.IssuedRefreshTokens.Keys);
        Assert.NotEqual(grant.RefreshToken, record.Tokens.RefreshToken!.Value.Value);
        h.AssertNoSecretLeaked([key.ExportPkcs8PrivateKeyPem(), Base64Body(key.ExportPkcs8PrivateKeyPem())]);
    }

    [Fact]
    public async Task ASigningKeyTheProviderDoesNotKnow_IsInvalidClient_AndNoRequestReachesTheApi()
    {
        using var registered = RSA.Create(2048);
        using var other = RSA.Create(2048);
        await using var h = await StartAsync(registered);
        await using var services = BuildServices(h, "erp", o =>
        {
            o.Grant = OAuthGrantType.JwtBearer;
            o.JwtBearerSubject = h.Simulator.Options.TestUser;
            o.ClientAuthMethod = ClientAuthMethod.PrivateKeyJwt;
            o.SigningKeyPem = other.ExportPkcs8PrivateKeyPem();
        });
        var api = services.GetRequiredService<IHttpClientFactory>().CreateClient("erp");

        var error = await Assert.ThrowsAsync<ConnectionMisconfiguredException>(() => api.GetAsync("api/contacts?limit=1"));

        Assert.Equal(StateReasons.InvalidClient, error.Reason);
        Assert.Equal(0, h.Simulator.GetStats().ApiRequests);
        Assert.Equal(0, h.Simulator.GetStats().TokensIssuedTotal);
        h.AssertNoSecretLeaked([other.ExportPkcs8PrivateKeyPem(), Base64Body(other.ExportPkcs8PrivateKeyPem())]);
    }

    private static AsymmetricAlgorithm CreateKey(string algorithm) => algorithm switch
    {
        "RS256" => RSA.Create(2048),
        _ => ECDsa.Create(ECCurve.NamedCurves.nistP256),
    };

    private static async Task<EngineHarness> StartAsync(AsymmetricAlgorithm key, RotationMode rotation = RotationMode.Rotate)
    {
        var options = new SimulatorOptions { AccessTtl = AccessTtl, Rotation = rotation, Seed = 21 };
        options.Clients.Add(new SimulatorClient { ClientId = KeyClient, PublicKeyPem = key.ExportSubjectPublicKeyInfoPem() });
        return await EngineHarness.StartAsync(options);
    }

    private static ConnectionOptions SignedConnection(EngineHarness h, string pem, ClientAuthMethod method, string? refreshToken = null) => new()
    {
        TokenEndpoint = h.Simulator.TokenEndpoint,
        ClientId = KeyClient,
        ClientAuthMethod = method,
        SigningKeyPem = pem,
        RefreshToken = refreshToken,
        Scope = Scope,
    };

    /// <summary>
    /// The application's wiring: <c>AddTokenkeeper</c> with the harness's store, clock and log sink, a connection, and a named
    /// API client carrying the Tokenkeeper handler. The token endpoint client gets the harness's recorder, like the harness's own
    /// managers, so every issued token is searched for in the logs and the store.
    /// </summary>
    private static ServiceProvider BuildServices(EngineHarness h, string connectionId, Action<ConnectionOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(h.Clock);
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(h.Logs));
        services.AddTokenkeeper()
            .UseStore(_ => h.OpenStore())
            .AddConnection(connectionId, o =>
            {
                o.TokenEndpoint = h.Simulator.TokenEndpoint;
                o.ClientId = KeyClient;
                o.Scope = Scope;
                configure(o);
            });
        services.AddHttpClient(TokenkeeperServiceCollectionExtensions.TokenEndpointClientName).AddHttpMessageHandler(() => h.RecordTokenResponses());
        services.AddHttpClient(connectionId, c => c.BaseAddress = h.Simulator.BaseAddress)
            .AddTokenkeeperHandler(connectionId)
            .AddHttpMessageHandler(() => h.RecordBearerTokens());
        return services.BuildServiceProvider();
    }

    /// <summary>The key material of a PEM on one line, as it would appear if the key were written out re-encoded.</summary>
    private static string Base64Body(string pem) => string.Concat(pem.Split('\n').Where(line => !line.StartsWith("-----", StringComparison.Ordinal)).Select(line => line.Trim()));
}
