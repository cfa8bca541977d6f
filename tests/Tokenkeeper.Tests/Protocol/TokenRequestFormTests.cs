using Tokenkeeper.Protocol;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Tests.Protocol;

public sealed class TokenRequestFormTests
{
    [Fact]
    public void ARefreshGrant_SendsTheRefreshToken_ThenScopeResourceAudienceAndExtras_InThatOrder()
    {
        var form = TokenRequestForm.For(Request(OAuthGrantType.RefreshToken) with
        {
            RefreshToken = new RefreshToken("refresh-1"),
            Scope = "contacts:read",
            Resource = "https://api.example/",
            Audience = "api://crm",
            ExtraParameters = new Dictionary<string, string> { ["tenant"] = "t1" },
        });

        Assert.Equal(
            [
                new("grant_type", "refresh_token"),
                new("refresh_token", "refresh-1"),
                new("scope", "contacts:read"),
                new("resource", "https://api.example/"),
                new("audience", "api://crm"),
                new("tenant", "t1"),
            ],
            form);
    }

    [Fact]
    public void BlankScopeResourceAndAudience_AreLeftOut()
    {
        var form = TokenRequestForm.For(Request(OAuthGrantType.ClientCredentials) with { Scope = " ", Resource = "", Audience = null });

        Assert.Equal([new("grant_type", "client_credentials")], form);
    }

    [Fact]
    public void AnAuthorizationCodeGrant_SendsTheRedirectUriAndVerifier_OnlyWhenGiven()
    {
        var bare = TokenRequestForm.For(Request(OAuthGrantType.AuthorizationCode) with { Code = "code-1" });
        var full = TokenRequestForm.For(Request(OAuthGrantType.AuthorizationCode) with { Code = "code-1", RedirectUri = "http://127.0.0.1/cb", CodeVerifier = "verifier-1" });

        Assert.Equal([new("grant_type", "authorization_code"), new("code", "code-1")], bare);
        Assert.Equal([new("grant_type", "authorization_code"), new("code", "code-1"), new("redirect_uri", "http://127.0.0.1/cb"), new("code_verifier", "verifier-1")], full);
    }

    [Fact]
    public void AJwtBearerGrant_SendsTheRfc7523GrantTypeAndTheAssertion()
    {
        var form = TokenRequestForm.For(Request(OAuthGrantType.JwtBearer) with { Assertion = "a.b.c" });

        Assert.Equal([new("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), new("assertion", "a.b.c")], form);
    }

    [Theory]
    [InlineData(OAuthGrantType.RefreshToken)]
    [InlineData(OAuthGrantType.AuthorizationCode)]
    [InlineData(OAuthGrantType.JwtBearer)]
    public void AGrantWithoutWhatItNeeds_IsRefused_NamingTheRequest(OAuthGrantType grant)
    {
        var error = Assert.Throws<ArgumentException>(() => TokenRequestForm.For(Request(grant)));

        Assert.Equal("request", error.ParamName);
    }

    [Fact]
    public void AnUnknownGrant_IsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TokenRequestForm.For(Request((OAuthGrantType)99)));
    }

    [Fact]
    public void ATokenForm_CarriesTheHint_OnlyWhenGiven()
    {
        Assert.Equal([new("token", "t-1")], TokenRequestForm.ForToken("t-1", null));
        Assert.Equal([new("token", "t-1"), new("token_type_hint", "refresh_token")], TokenRequestForm.ForToken("t-1", "refresh_token"));
    }

    private static TokenEndpointRequest Request(OAuthGrantType grant) => new()
    {
        Endpoint = new Uri("https://identity.example/token"),
        Client = new ClientIdentity { ClientId = "c" },
        Grant = grant,
    };
}
