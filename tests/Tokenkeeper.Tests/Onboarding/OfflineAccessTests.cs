using Tokenkeeper.Connections;
using Tokenkeeper.Onboarding;

namespace Tokenkeeper.Tests.Onboarding;

/// <summary>What each provider needs in an authorization request before it issues a refresh token: profile data, plus the
/// OpenID Connect rule for every provider without its own.</summary>
public sealed class OfflineAccessTests
{
    [Theory]
    [InlineData("microsoft-entra", "Mail.Read", "Mail.Read offline_access", "")]
    [InlineData("microsoft-entra", "offline_access Mail.Read", "offline_access Mail.Read", "")]
    [InlineData("salesforce", "api", "api refresh_token", "")]
    [InlineData("xero", "openid accounting.transactions", "openid accounting.transactions offline_access", "")]
    [InlineData("google", "https://www.googleapis.com/auth/drive", "https://www.googleapis.com/auth/drive", "access_type=offline&prompt=consent")]
    [InlineData("google-testing", null, null, "access_type=offline&prompt=consent")]
    [InlineData("generic", "openid contacts", "openid contacts offline_access", "prompt=consent")]
    [InlineData("generic", "contacts", "contacts", "")]
    public void The_request_asks_each_provider_for_offline_access_its_way(string provider, string? scope, string? expectedScope, string expectedExtra)
    {
        Assert.True(ProviderProfiles.TryGet(provider, out var profile));

        var (sent, extra) = OfflineAccess.For(profile, scope);

        Assert.Equal(expectedScope, sent);
        Assert.Equal(expectedExtra, string.Join('&', extra.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")));
    }

    [Fact]
    public void The_advice_for_a_grant_without_a_refresh_token_is_the_providers_own_or_the_generic_one()
    {
        Assert.Contains("Perform requests at any time", OfflineAccess.Advice(ProviderProfiles.Salesforce), StringComparison.Ordinal);
        Assert.Contains("offline_access", OfflineAccess.Advice(ProviderProfiles.Generic), StringComparison.Ordinal);
    }
}
