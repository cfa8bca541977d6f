using Tokenkeeper.Connections;
using Tokenkeeper.Refresh;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Tests.Refresh.Cycle;

/// <summary>The only code that publishes tokens to the cache: what it takes from the store, and what it refuses.</summary>
public sealed class TokenAdopterTests
{
    [Fact]
    public async Task APeersNewerToken_IsPublished_AndCountedAsAnAdoption()
    {
        var rig = new RefreshRig();
        var record = await rig.SeedAsync(withAccessToken: true);

        Assert.True(rig.Engine.Adopter.TryAdopt(rig.Source, record, rig.Flight(), out var adopted));

        Assert.Same(adopted, rig.Source.Current);
        Assert.Equal(new AccessToken("at-seeded"), adopted.Token);
        Assert.Single(rig.Logs.Lines, l => l.Contains("adopted access token " + adopted.Fingerprint, StringComparison.Ordinal));
        Assert.False(rig.Engine.Adopter.TryAdopt(rig.Source, record, rig.Flight(), out _)); // already cached: nothing new
    }

    [Fact]
    public async Task TheRejectedToken_AToken_TooShortForTheCaller_OrAConnectionThatMayNotServe_IsNeverAdopted()
    {
        var rig = new RefreshRig();
        var record = await rig.SeedAsync(withAccessToken: true);
        var adopter = rig.Engine.Adopter;

        Assert.False(adopter.TryAdopt(rig.Source, record, rig.Flight(rejected: new AccessToken("at-seeded")), out _));
        Assert.False(adopter.TryAdopt(rig.Source, record, rig.Flight(minValidity: TimeSpan.FromHours(2)), out _));
        Assert.False(adopter.TryAdopt(rig.Source, record.WithStatus(ConnectionState.Disabled, StateReasons.DisabledByOperator, rig.Now), rig.Flight(), out _));
        Assert.False(adopter.TryAdopt(rig.Source, record with { Tokens = null }, rig.Flight(), out _));
        Assert.Null(rig.Source.Current);
    }

    [Fact]
    public async Task AFlightStartedBeforeTheConnectionWasReauthorised_PublishesNothing()
    {
        var rig = new RefreshRig();
        var record = await rig.SeedAsync(withAccessToken: true);
        var flight = rig.Flight();
        rig.Source.Reset(); // re-authorised, enabled or disabled meanwhile

        Assert.False(rig.Engine.Adopter.TryAdopt(rig.Source, record, flight, out _));
        Assert.Throws<TokenEndpointUnavailableException>(() => rig.Engine.Adopter.PublishCommitted(rig.Source, record, flight));
        Assert.Null(rig.Source.Current);
    }

    [Fact]
    public async Task TheCachedToken_IsGoodEnoughForAFlightThatStartedJustAfterItWasPublished_UnlessTheFlightMustRefresh()
    {
        var rig = new RefreshRig();
        var record = await rig.SeedAsync(withAccessToken: true);
        var adopter = rig.Engine.Adopter;
        adopter.TryAdopt(rig.Source, record, rig.Flight(), out var cached);

        Assert.Same(cached, adopter.CachedIsGoodEnough(rig.Source, rig.Flight(RefreshTrigger.RefreshAhead)));
        Assert.Null(adopter.CachedIsGoodEnough(rig.Source, rig.Flight(RefreshTrigger.Forced)));
        Assert.Null(adopter.CachedIsGoodEnough(rig.Source, rig.Flight(RefreshTrigger.KeepAlive)));
        Assert.Null(adopter.CachedIsGoodEnough(rig.Source, rig.Flight(RefreshTrigger.Rejected, rejected: cached.Token)));

        rig.Clock.SetUtcNow(cached.Windows.RefreshAheadAt); // past its refresh-ahead point, still usable
        Assert.Null(adopter.CachedIsGoodEnough(rig.Source, rig.Flight(RefreshTrigger.RefreshAhead)));
        Assert.Same(cached, adopter.CachedIsGoodEnough(rig.Source, rig.Flight(RefreshTrigger.Expiring)));
    }

    [Fact]
    public async Task AFlightThatOnlyStoredKeptTokens_AnswersWithTheCachedToken_OrAsksToAskAgainAtOnce()
    {
        var rig = new RefreshRig();
        var record = await rig.SeedAsync(withAccessToken: true);

        var none = Assert.Throws<TokenEndpointUnavailableException>(() => rig.Engine.Adopter.KeptStored(rig.Source));
        Assert.Equal(rig.Now, none.RetryNotBefore);

        rig.Engine.Adopter.TryAdopt(rig.Source, record, rig.Flight(), out var cached);
        Assert.Same(cached, rig.Engine.Adopter.KeptStored(rig.Source));
    }
}
