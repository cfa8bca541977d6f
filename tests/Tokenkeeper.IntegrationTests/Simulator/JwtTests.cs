using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Tokenkeeper.Simulator;

namespace Tokenkeeper.IntegrationTests.Simulator;

public sealed class JwtTests
{
    private const string AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    // RSA key generation is slow: one registered key and one stranger's key for the whole class.
    private static readonly RSA Rsa = RSA.Create(2048);
    private static readonly RSA Stranger = RSA.Create(2048);
    private static readonly ECDsa Ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    [Fact]
    public async Task PrivateKeyJwt_SignedWithTheRegisteredRsaKey_AuthenticatesTheClient()
    {
        await using var sim = await StartAsync();
        var assertion = TestJwt.Sign(Rsa, TestJwt.Claims("rsa-client", "rsa-client", sim.Server.TokenEndpoint.ToString(), sim.Clock.GetUtcNow()));

        var reply = await ClientAssertionAsync(sim, assertion);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
    }

    [Fact]
    public async Task PrivateKeyJwt_WithEs256AndTheIssuerAsAudience_AuthenticatesTheClient()
    {
        await using var sim = await StartAsync();
        var issuer = sim.Server.BaseAddress.ToString().TrimEnd('/');
        var assertion = TestJwt.Sign(Ec, TestJwt.Claims("ec-client", "ec-client", issuer, sim.Clock.GetUtcNow()));

        var reply = await ClientAssertionAsync(sim, assertion);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
    }

    [Fact]
    public async Task PrivateKeyJwt_SignedWithAnotherKey_IsInvalidClient()
    {
        await using var sim = await StartAsync();
        var assertion = TestJwt.Sign(Stranger, TestJwt.Claims("rsa-client", "rsa-client", sim.Server.TokenEndpoint.ToString(), sim.Clock.GetUtcNow()));

        var reply = await ClientAssertionAsync(sim, assertion);

        Assert.Equal("invalid_client", reply.Error);
    }

    [Theory]
    [InlineData("wrong-audience")]
    [InlineData("expired")]
    [InlineData("sub-not-client")]
    [InlineData("no-jti")]
    public async Task PrivateKeyJwt_WithBadClaims_IsInvalidClient(string defect)
    {
        await using var sim = await StartAsync();
        var claims = TestJwt.Claims("rsa-client", "rsa-client", sim.Server.TokenEndpoint.ToString(), sim.Clock.GetUtcNow());
        switch (defect)
        {
            case "wrong-audience":
                claims["aud"] = "https://elsewhere.example/token";
                break;
            case "expired":
                claims["exp"] = sim.Clock.GetUtcNow().AddSeconds(-1).ToUnixTimeSeconds();
                break;
            case "sub-not-client":
                claims["sub"] = "test-user";
                break;
            default:
                claims.Remove("jti");
                break;
        }

        var reply = await ClientAssertionAsync(sim, TestJwt.Sign(Rsa, claims));

        Assert.Equal("invalid_client", reply.Error);
    }

    [Fact]
    public async Task PrivateKeyJwt_ReplayedJti_IsInvalidClient()
    {
        await using var sim = await StartAsync();
        var assertion = TestJwt.Sign(Rsa, TestJwt.Claims("rsa-client", "rsa-client", sim.Server.TokenEndpoint.ToString(), sim.Clock.GetUtcNow()));

        var first = await ClientAssertionAsync(sim, assertion);
        var replay = await ClientAssertionAsync(sim, assertion);

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal("invalid_client", replay.Error);
    }

    [Fact]
    public async Task PrivateKeyJwt_AssertionExpiresOnTheFakeClock()
    {
        await using var sim = await StartAsync();
        var assertion = TestJwt.Sign(Rsa, TestJwt.Claims("rsa-client", "rsa-client", sim.Server.TokenEndpoint.ToString(), sim.Clock.GetUtcNow(), TimeSpan.FromMinutes(1)));

        sim.Clock.Advance(TimeSpan.FromMinutes(2));
        var reply = await ClientAssertionAsync(sim, assertion);

        Assert.Equal("invalid_client", reply.Error);
    }

    [Fact]
    public async Task JwtBearerGrant_ForAKnownUser_IssuesAnAccessTokenForThatUser()
    {
        await using var sim = await StartAsync();
        var assertion = TestJwt.Sign(Rsa, TestJwt.Claims("rsa-client", "test-user", sim.Server.TokenEndpoint.ToString(), sim.Clock.GetUtcNow()));

        var reply = await sim.TokenWithAsync(null, ("grant_type", SimulatorGrantTypes.JwtBearer), ("assertion", assertion));
        var introspection = await sim.PostFormAsync("oauth/introspect", SimHarness.Basic(SimHarness.ClientId, SimHarness.ClientSecret), ("token", reply["access_token"]!));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.False(reply.Has("refresh_token"));
        Assert.Equal("test-user", introspection["sub"]);
        Assert.Equal("rsa-client", introspection["client_id"]);
        Assert.Equal(1, (await sim.StatsAsync()).GetProperty("tokens_issued").GetProperty("jwt_bearer").GetInt64());
    }

    [Fact]
    public async Task JwtBearerGrant_ForAnUnknownUser_IsInvalidGrant()
    {
        await using var sim = await StartAsync();
        var assertion = TestJwt.Sign(Rsa, TestJwt.Claims("rsa-client", "mallory", sim.Server.TokenEndpoint.ToString(), sim.Clock.GetUtcNow()));

        var reply = await sim.TokenWithAsync(null, ("grant_type", SimulatorGrantTypes.JwtBearer), ("assertion", assertion));

        Assert.Equal("invalid_grant", reply.Error);
    }

    [Fact]
    public async Task JwtBearerGrant_WithForgedSignature_IsInvalidGrant()
    {
        await using var sim = await StartAsync();
        var assertion = TestJwt.Sign(Stranger, TestJwt.Claims("rsa-client", "test-user", sim.Server.TokenEndpoint.ToString(), sim.Clock.GetUtcNow()));

        var reply = await sim.TokenWithAsync(null, ("grant_type", SimulatorGrantTypes.JwtBearer), ("assertion", assertion));

        Assert.Equal("invalid_grant", reply.Error);
    }

    [Fact]
    public async Task JwtAccessTokens_CarryTheClaims_AndExpiryMatchesExpiresIn()
    {
        await using var sim = await SimHarness.StartAsync(o => (o.TokenFormat, o.AccessTtl) = (TokenFormat.Jwt, TimeSpan.FromMinutes(10)));
        var grant = await sim.GrantAsync("contacts:read");

        var payload = TestJwt.Payload(grant.AccessToken);
        var now = sim.Clock.GetUtcNow().ToUnixTimeSeconds();

        Assert.Equal(sim.Server.BaseAddress.ToString().TrimEnd('/'), payload.GetProperty("iss").GetString());
        Assert.Equal("test-user", payload.GetProperty("sub").GetString());
        Assert.Equal("contacts:read", payload.GetProperty("scope").GetString());
        Assert.Equal(SimHarness.ClientId, payload.GetProperty("client_id").GetString());
        Assert.True(payload.TryGetProperty("aud", out _));
        Assert.False(string.IsNullOrEmpty(payload.GetProperty("jti").GetString()));
        Assert.Equal(now, payload.GetProperty("iat").GetInt64());
        Assert.Equal(now + 600, payload.GetProperty("exp").GetInt64());
        Assert.Equal(HttpStatusCode.OK, (await sim.GetAsync("api/contacts?limit=1", grant.AccessToken)).Status);
    }

    [Fact]
    public async Task JwtAccessTokens_SignedRs256_VerifyAgainstThePublishedJwks()
    {
        await using var sim = await SimHarness.StartAsync(o => (o.TokenFormat, o.JwtSigningAlgorithm) = (TokenFormat.Jwt, JwtSigningAlgorithm.RS256));
        var token = (await sim.ClientCredentialsAsync())["access_token"]!;

        var jwks = (await sim.GetAsync(".well-known/jwks.json")).Json.GetProperty("keys")[0];
        using var key = RSA.Create(new RSAParameters
        {
            Modulus = Base64Url.DecodeFromChars(jwks.GetProperty("n").GetString()),
            Exponent = Base64Url.DecodeFromChars(jwks.GetProperty("e").GetString()),
        });
        var parts = token.Split('.');

        Assert.Equal("RS256", TestJwt.Header(token).GetProperty("alg").GetString());
        Assert.True(key.VerifyData(
            Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64Url.DecodeFromChars(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public async Task ClockSkew_ShiftsJwtIatAndExpAndTheDateHeader_ButNotServerSideValidity()
    {
        var skew = TimeSpan.FromSeconds(120);
        await using var sim = await SimHarness.StartAsync(o => (o.TokenFormat, o.ClockSkew, o.AccessTtl) = (TokenFormat.Jwt, skew, TimeSpan.FromMinutes(5)));
        var trueNow = sim.Clock.GetUtcNow();

        var reply = await sim.ClientCredentialsAsync();
        var payload = TestJwt.Payload(reply["access_token"]!);
        sim.Clock.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        var justBeforeTrueExpiry = await sim.GetAsync("api/contacts?limit=1", reply["access_token"]);

        Assert.Equal(trueNow + skew, reply.Headers.Date);
        Assert.Equal((trueNow + skew).ToUnixTimeSeconds(), payload.GetProperty("iat").GetInt64());
        Assert.Equal((trueNow + skew + TimeSpan.FromMinutes(5)).ToUnixTimeSeconds(), payload.GetProperty("exp").GetInt64());
        Assert.Equal("300", reply["expires_in"]);
        Assert.Equal(HttpStatusCode.OK, justBeforeTrueExpiry.Status);
    }

    [Fact]
    public async Task NegativeClockSkew_PutsTheDateHeaderBehind()
    {
        await using var sim = await SimHarness.StartAsync(o => o.ClockSkew = TimeSpan.FromSeconds(-90));

        var reply = await sim.ClientCredentialsAsync();

        Assert.Equal(sim.Clock.GetUtcNow().AddSeconds(-90), reply.Headers.Date);
    }

    private static Task<SimHarness> StartAsync() => SimHarness.StartAsync(o =>
    {
        o.Clients.Add(new SimulatorClient { ClientId = "rsa-client", PublicKeyPem = Rsa.ExportSubjectPublicKeyInfoPem() });
        o.Clients.Add(new SimulatorClient { ClientId = "ec-client", PublicKeyPem = Ec.ExportSubjectPublicKeyInfoPem() });
    });

    private static Task<Reply> ClientAssertionAsync(SimHarness sim, string assertion) =>
        sim.TokenWithAsync(null, ("grant_type", "client_credentials"), ("client_assertion_type", AssertionType), ("client_assertion", assertion));
}
