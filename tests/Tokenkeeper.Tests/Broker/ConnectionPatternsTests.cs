using Tokenkeeper.Broker.Keys;

namespace Tokenkeeper.Tests.Broker;

/// <summary>Which connections a reader key may see.</summary>
public sealed class ConnectionPatternsTests
{
    [Theory]
    [InlineData("crm", "crm", true)]
    [InlineData("crm", "crm-eu", false)]
    [InlineData("crm-*", "crm-eu", true)]
    [InlineData("crm-*", "crm-", true)]
    [InlineData("crm-*", "crm", false)]
    [InlineData("*", "anything", true)]
    [InlineData("*-eu", "crm-eu", true)]
    [InlineData("*-eu", "crm-us", false)]
    [InlineData("a*b*c", "a-b-c", true)]
    [InlineData("a*b*c", "a-c-b", false)]
    [InlineData("ab*ba", "aba", false)] // the prefix and suffix may not overlap
    [InlineData("CRM-*", "crm-eu", false)] // ordinal: case matters
    public void APattern_MatchesIdsAsAGlobWithStar(string pattern, string id, bool matches)
    {
        Assert.Equal(matches, ConnectionPatterns.Matches(pattern, id));
    }

    [Fact]
    public void AList_AllowsAnIdAnyOfItsPatternsMatch_AndAnEmptyListIsRefused()
    {
        var patterns = ConnectionPatterns.Parse(" crm-*, zendesk ,");

        Assert.Equal(["crm-*", "zendesk"], patterns);
        Assert.True(ConnectionPatterns.Allows(patterns, "zendesk"));
        Assert.False(ConnectionPatterns.Allows(patterns, "hubspot"));
        Assert.Throws<TokenkeeperConfigurationException>(() => ConnectionPatterns.Parse(" , "));
    }

    [Fact]
    public void AKey_IsPrefixed_Random_AndStoredOnlyAsItsHash()
    {
        var (a, b) = (ApiKeys.Generate(), ApiKeys.Generate());

        Assert.StartsWith("tk_", a, StringComparison.Ordinal);
        Assert.NotEqual(a, b);
        Assert.Equal(64, ApiKeys.Hash(a).Length);
        Assert.DoesNotContain(a[3..], ApiKeys.Hash(a), StringComparison.Ordinal);
        Assert.True(ApiKeys.LooksLikeKey(a));
        Assert.False(ApiKeys.LooksLikeKey("hunter2"));
    }
}
