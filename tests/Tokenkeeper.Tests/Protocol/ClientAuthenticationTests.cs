using Microsoft.Extensions.Time.Testing;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Tokenkeeper.Protocol;
using Tokenkeeper.Tokens;
using Tokenkeeper.Connections;

namespace Tokenkeeper.Tests.Protocol;

public sealed class ClientAuthenticationTests
{
    private static readonly Uri Endpoint = new("https://identity.example/oauth/token?tenant=t1");
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 5, 1, 2, 0, 0, TimeSpan.Zero));

    [Fact]
    public void ClientSecretBasic_IsAnAuthorizationHeader_OfTheFormEncodedIdAndSecret_AndAddsNothingToTheForm()
    {
        var (message, form) = Apply(new ClientIdentity { ClientId = "my client", Secret = new ClientSecret("p@ss:word"), AuthMethod = ClientAuthMethod.ClientSecretBasic });

        Assert.Equal("Basic", message.Headers.Authorization!.Scheme);
        Assert.Equal("my+client:p%40ss%3Aword", Encoding.UTF8.GetString(Convert.FromBase64String(message.Headers.Authorization.Parameter!)));
        Assert.Equal(Granted, form);
    }

    [Fact]
    public void ClientSecretPost_PutsTheIdAndSecretInTheForm_AndSetsNoHeader()
    {
        var (message, form) = Apply(new ClientIdentity { ClientId = "c", Secret = new ClientSecret("s3cret"), AuthMethod = ClientAuthMethod.ClientSecretPost });

        Assert.Null(message.Headers.Authorization);
        Assert.Equal([.. Granted, new("client_id", "c"), new("client_secret", "s3cret")], form);
    }

    [Fact]
    public void None_SendsOnlyTheClientId()
    {
        var (message, form) = Apply(new ClientIdentity { ClientId = "public", AuthMethod = ClientAuthMethod.None });

        Assert.Null(message.Headers.Authorization);
        Assert.Equal([.. Granted, new("client_id", "public")], form);
    }

    [Fact]
    public void PrivateKeyJwt_SendsAnAssertion_FromTheClient_ForTheEndpointWithoutItsQuery_IssuedNowOnTheClock()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var (message, form) = Apply(new ClientIdentity { ClientId = "key-client", AuthMethod = ClientAuthMethod.PrivateKeyJwt, SigningKey = new ClientSigningKey(key) });

        Assert.Null(message.Headers.Authorization);
        Assert.Equal([.. Granted, new("client_id", "key-client"), new("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")], form.Take(3));
        var (name, assertion) = Assert.Single(form.Skip(3));
        Assert.Equal("client_assertion", name);
        using var claims = JsonDocument.Parse(Base64Url.DecodeFromChars(assertion.Split('.')[1]));
        Assert.Equal("key-client", claims.RootElement.GetProperty("iss").GetString());
        Assert.Equal("key-client", claims.RootElement.GetProperty("sub").GetString());
        Assert.Equal("https://identity.example/oauth/token", claims.RootElement.GetProperty("aud").GetString());
        Assert.Equal(_clock.GetUtcNow().ToUnixTimeSeconds(), claims.RootElement.GetProperty("iat").GetInt64());
        Assert.Equal((_clock.GetUtcNow() + TokenEndpointConstants.ClientAssertionLifetime).ToUnixTimeSeconds(), claims.RootElement.GetProperty("exp").GetInt64());
    }

    [Theory]
    [InlineData(ClientAuthMethod.ClientSecretBasic, "client_secret_basic")]
    [InlineData(ClientAuthMethod.ClientSecretPost, "client_secret_post")]
    [InlineData(ClientAuthMethod.PrivateKeyJwt, "private_key_jwt")]
    public void AMethodWithoutTheCredentialItNeeds_IsAConfigurationError_NamingTheClientAndMethod(ClientAuthMethod method, string name)
    {
        var error = Assert.Throws<TokenkeeperConfigurationException>(() => Apply(new ClientIdentity { ClientId = "c-9", AuthMethod = method }));

        Assert.Contains("'c-9'", error.Message, StringComparison.Ordinal);
        Assert.Contains(name, error.Message, StringComparison.Ordinal);
    }

    private static List<KeyValuePair<string, string>> Granted => [new("grant_type", "client_credentials")];

    private (HttpRequestMessage Message, List<KeyValuePair<string, string>> Form) Apply(ClientIdentity client)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, Endpoint);
        var form = Granted;
        ClientAuthentication.Apply(message, form, client, Endpoint, _clock);
        return (message, form);
    }
}
