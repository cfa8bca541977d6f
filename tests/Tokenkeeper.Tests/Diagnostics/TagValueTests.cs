using System.Net;
using Tokenkeeper.Diagnostics;
using Tokenkeeper.Storage;
using Tokenkeeper.Tests.Support;
using Tokenkeeper.Tokens;
using Tokenkeeper.Events;

namespace Tokenkeeper.Tests.Diagnostics;

/// <summary>Names that leave the process (metric tag values, event reasons) are spelled one way: lower snake case.</summary>
public sealed class TagValueTests
{
    [Theory]
    [InlineData(TokenFailureKind.Transient, "transient")]
    [InlineData(TokenFailureKind.RateLimited, "rate_limited")]
    [InlineData(TokenFailureKind.InvalidGrant, "invalid_grant")]
    [InlineData(TokenFailureKind.InvalidClient, "invalid_client")]
    [InlineData(TokenFailureKind.InvalidRequest, "invalid_request")]
    [InlineData(TokenFailureKind.Protocol, "protocol")]
    public void FailureKinds_AreSnakeCase(TokenFailureKind kind, string expected) => Assert.Equal(expected, TagValue.Of(kind));

    [Fact]
    public void ConflictsAndExpirySources_AreSnakeCase()
    {
        Assert.Equal(["version_mismatch", "lease_lost", "not_found"], new[] { CommitConflict.VersionMismatch, CommitConflict.LeaseLost, CommitConflict.NotFound }.Select(TagValue.Of));
        Assert.Equal(["default", "provider_profile"], new[] { ExpirySource.Default, ExpirySource.ProviderProfile }.Select(TagValue.Of));
    }

    [Fact]
    public async Task ARefreshFailedEvent_CarriesTheFailureKindInSnakeCase_LikeEveryStateReason()
    {
        await using var f = new ManagerFixture(o => o.MaxAttempts = 1);
        f.Provider.FailWith = HttpStatusCode.ServiceUnavailable;

        await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => f.Manager.GetAccessTokenAsync(ManagerFixture.ConnectionId).AsTask());

        var failed = (await ((IEventOutbox)f.Store).ReadAsync()).Select(e => e.Event).Single(e => e.Type == ConnectionEventTypes.RefreshFailed);
        Assert.Equal("transient", failed.Reason);
    }
}
