using System.Security.Cryptography;
using Tokenkeeper.Connections;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Tests.Refresh;

public sealed class TokenRequestFactoryTests
{
    private static readonly string Pem = RSA.Create(2048).ExportPkcs8PrivateKeyPem();

    [Theory]
    [InlineData(OAuthGrantType.JwtBearer)]
    [InlineData(OAuthGrantType.ClientCredentials)]
    [InlineData(OAuthGrantType.RefreshToken)]
    public void ASigningKeyWithoutASecret_AndNoMethodNamed_AuthenticatesWithPrivateKeyJwt(OAuthGrantType grant)
    {
        var request = Factory().Create(Registration(grant) with { SigningKeyPem = new ClientSecret(Pem) }, ProviderProfiles.Generic, new RefreshToken("r"));

        Assert.Equal(ClientAuthMethod.PrivateKeyJwt, request.Client.AuthMethod);
    }

    [Fact]
    public void ASecret_OrAMethodNamed_KeepsWhatWasAskedFor()
    {
        var withSecret = Factory().Create(Registration(OAuthGrantType.ClientCredentials) with { ClientSecret = new ClientSecret("s") }, ProviderProfiles.Generic, null);
        var named = Factory().Create(Registration(OAuthGrantType.ClientCredentials) with { SigningKeyPem = new ClientSecret(Pem), ClientSecret = new ClientSecret("s"), ClientAuthMethod = ClientAuthMethod.ClientSecretPost }, ProviderProfiles.Generic, null);

        Assert.Equal(ProviderProfiles.Generic.DefaultClientAuthMethod, withSecret.Client.AuthMethod);
        Assert.Equal(ClientAuthMethod.ClientSecretPost, named.Client.AuthMethod);
    }

    private static TokenRequestFactory Factory() => new(TimeProvider.System, new TokenManagerOptions());

    private static ConnectionRegistration Registration(OAuthGrantType grant) => new()
    {
        TokenEndpoint = new Uri("https://provider.test/oauth/token"),
        ClientId = "client",
        Grant = grant,
    };
}
