using System.Net;
using System.Web;
using Tokenkeeper.Connections;
using Tokenkeeper.Onboarding;
using Tokenkeeper.Tests.Support;

namespace Tokenkeeper.Tests.Onboarding;

/// <summary>
/// The library's authorization code flow, the part the CLI and the token service share: the request it builds (PKCE S256,
/// a fresh state, the provider's offline-access parameters) and what it refuses on the way back, each time storing nothing.
/// </summary>
public sealed class AuthorizationCodeFlowTests
{
    private const string Id = "onboarded";
    private const string Redirect = "http://127.0.0.1:50111/callback";

    [Fact]
    public async Task Begin_BuildsAPkceRequest_WithAFreshStateEachTime_AndTheProvidersOfflineParameters()
    {
        await using var f = await FixtureAsync(ProviderProfiles.Google);
        var flow = new AuthorizationCodeFlow(f.Manager);

        var first = await flow.BeginAsync(Id);
        var second = await flow.BeginAsync(Id);

        var query = HttpUtility.ParseQueryString(first.AuthorizationUrl.Query);
        Assert.Equal(("code", "client-1", Redirect, "S256"), (query["response_type"], query["client_id"], query["redirect_uri"], query["code_challenge_method"]));
        Assert.Equal(("offline", "consent"), (query["access_type"], query["prompt"]));
        Assert.Equal(first.State, query["state"]);
        Assert.NotEqual(first.State, second.State);
        Assert.DoesNotContain(first.CodeVerifier, first.AuthorizationUrl.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AGrantWithoutARefreshToken_IsRefused_SayingWhatToAskFor_AndNothingIsStored()
    {
        await using var f = await FixtureAsync(ProviderProfiles.Generic);
        var flow = new AuthorizationCodeFlow(f.Manager);
        var request = await flow.BeginAsync(Id);

        // The in-memory provider answers an authorization code with an access token only.
        var error = await Assert.ThrowsAsync<OnboardingException>(() => flow.CompleteAsync(request, RedirectWith($"code=abc&state={request.State}")));

        Assert.Equal((OnboardingFailureKind.Refused, "no_refresh_token"), (error.Kind, error.ProviderError));
        Assert.Contains("returned no refresh token", error.Message, StringComparison.Ordinal);
        Assert.Contains("offline_access", error.Message, StringComparison.Ordinal);
        Assert.Equal(ConnectionState.PendingAuthorization, (await f.RecordAsync(Id)).Status.State);
    }

    [Fact]
    public async Task TheCode_IsExchangedWithTheVerifierAndRedirectUri_AndTheConnectionBecomesActive()
    {
        await using var f = await FixtureAsync(ProviderProfiles.Generic);
        var flow = new AuthorizationCodeFlow(f.Manager);
        var request = await flow.BeginAsync(Id);
        f.Provider.Enqueue(HttpStatusCode.OK, """{"access_token":"at-1","token_type":"Bearer","expires_in":3600,"refresh_token":"rt-1"}""");

        var result = await flow.CompleteAsync(request, RedirectWith($"code=the-code&state={request.State}&iss=https%3A%2F%2Fprovider.test"));

        var form = f.Provider.Forms.Last();
        Assert.Equal(("authorization_code", "the-code", Redirect, request.CodeVerifier), (form["grant_type"], form["code"], form["redirect_uri"], form["code_verifier"]));
        Assert.Equal((ConnectionState.PendingAuthorization, ConnectionState.Active), (result.Previous.State, result.Current.State));
        Assert.Equal("rt-1", (await f.RecordAsync(Id)).Tokens!.RefreshToken!.Value.Value);
    }

    [Theory]
    [InlineData("code=abc&state=WRONG", OnboardingFailureKind.Refused, "state does not match")]
    [InlineData("code=abc", OnboardingFailureKind.Refused, "state does not match")]
    [InlineData("error=access_denied&error_description=nope&state={state}", OnboardingFailureKind.Refused, "access was declined")]
    [InlineData("code=abc&state={state}&iss=https%3A%2F%2Fevil.test", OnboardingFailureKind.Refused, "not 'https://provider.test'")]
    [InlineData("code=abc&code=def&state={state}", OnboardingFailureKind.Refused, "neither a code nor an error")]
    public async Task ARedirectThatIsNotThisRequestsAnswer_IsRefused_AndNothingIsSentOrStored(string query, OnboardingFailureKind kind, string words)
    {
        await using var f = await FixtureAsync(ProviderProfiles.Generic);
        var flow = new AuthorizationCodeFlow(f.Manager);
        var request = await flow.BeginAsync(Id);
        var requests = f.Provider.Requests;

        var error = await Assert.ThrowsAsync<OnboardingException>(() => flow.CompleteAsync(request, RedirectWith(query.Replace("{state}", request.State, StringComparison.Ordinal))));

        Assert.Equal(kind, error.Kind);
        Assert.Contains(words, error.Message, StringComparison.Ordinal);
        Assert.Equal(requests, f.Provider.Requests);
        Assert.Equal(ConnectionState.PendingAuthorization, (await f.RecordAsync(Id)).Status.State);
    }

    [Fact]
    public async Task AnExpiredRequest_IsRefusedAsTimedOut()
    {
        await using var f = await FixtureAsync(ProviderProfiles.Generic);
        var flow = new AuthorizationCodeFlow(f.Manager);
        var request = await flow.BeginAsync(Id);
        f.Clock.Advance(TimeSpan.FromMinutes(11));

        var error = await Assert.ThrowsAsync<OnboardingException>(() => flow.CompleteAsync(request, RedirectWith($"code=abc&state={request.State}")));

        Assert.Equal(OnboardingFailureKind.TimedOut, error.Kind);
    }

    [Fact]
    public async Task AConnectionThatNeedsNoConsent_OrHasNoAuthorizationEndpoint_IsAConfigurationError()
    {
        await using var f = new ManagerFixture(grant: Tokenkeeper.Protocol.OAuthGrantType.ClientCredentials);
        var flow = new AuthorizationCodeFlow(f.Manager);

        var noConsent = await Assert.ThrowsAsync<OnboardingException>(() => flow.BeginAsync(ManagerFixture.ConnectionId));
        var unknown = await Assert.ThrowsAsync<OnboardingException>(() => flow.BeginAsync("nope"));

        Assert.Equal(OnboardingFailureKind.Misconfigured, noConsent.Kind);
        Assert.Contains("client_credentials", noConsent.Message, StringComparison.Ordinal);
        Assert.Contains("there is no connection 'nope'", unknown.Message, StringComparison.Ordinal);
    }

    private static Uri RedirectWith(string query) => new($"{Redirect}?{query}");

    private static async Task<ManagerFixture> FixtureAsync(ProviderProfile profile)
    {
        var f = new ManagerFixture();
        var definition = ManagerFixture.Definition(Id, null, profile);
        await f.Manager.RegisterAsync(definition with
        {
            Registration = definition.Registration with
            {
                AuthorizationEndpoint = new Uri("https://provider.test/oauth/authorize"),
                RedirectUri = Redirect,
                Issuer = "https://provider.test",
                Scope = "openid contacts",
            },
        });
        return f;
    }
}
