using Tokenkeeper.Refresh;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Tests.Refresh.Cycle;

/// <summary>The order of one refresh: cached, adopted, lease, kept tokens, refresh; the lease given back on every path.</summary>
public sealed class RefreshCoordinatorTests
{
    private static Task<ManagedAccessToken> RunAsync(RefreshRig rig, Flight flight) => rig.DriveAsync(rig.Engine.Coordinator.RunAsync(rig.Source, flight, default));

    [Fact]
    public async Task ATokenPublishedJustBeforeTheFlight_IsServed_WithoutTheStoreOrTheProvider()
    {
        var rig = new RefreshRig();
        var record = await rig.SeedAsync(withAccessToken: true);
        rig.Engine.Adopter.TryAdopt(rig.Source, record, rig.Flight(), out var cached);
        var reads = 0;
        rig.Store.BeforeCommit = _ => { reads++; return null; };

        var token = await RunAsync(rig, rig.Flight(RefreshTrigger.Expiring));

        Assert.Same(cached, token);
        Assert.Equal((0, 0), (reads, rig.Provider.Requests));
    }

    [Fact]
    public async Task APeersStoredToken_IsAdopted_WithoutTakingTheLease()
    {
        var rig = new RefreshRig();
        await rig.SeedAsync(withAccessToken: true);

        var token = await RunAsync(rig, rig.Flight());

        Assert.Equal(new AccessToken("at-seeded"), token.Token);
        Assert.Equal(0, rig.Provider.Requests);
        Assert.Null(await rig.Store.GetLeaseAsync(RefreshRig.Id));
    }

    [Fact]
    public async Task WithNothingUsable_ItRefreshes_AndGivesTheLeaseBack()
    {
        var rig = new RefreshRig();
        await rig.SeedAsync();

        var token = await RunAsync(rig, rig.Flight());

        Assert.Equal(1, rig.Provider.Requests);
        Assert.Same(token, rig.Source.Current);
        Assert.Null(await rig.Store.GetLeaseAsync(RefreshRig.Id));
    }

    [Fact]
    public async Task AFailedRefresh_AlsoGivesTheLeaseBack()
    {
        var rig = new RefreshRig();
        await rig.SeedAsync();
        rig.Provider.FailWith = System.Net.HttpStatusCode.ServiceUnavailable;

        await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => RunAsync(rig, rig.Flight()));

        Assert.Null(await rig.Store.GetLeaseAsync(RefreshRig.Id));
    }

    [Fact]
    public async Task KeptTokens_AreStoredBeforeAnythingIsSent_AndNoRefreshFollowsWhenTheyServe()
    {
        var rig = new RefreshRig();
        var record = await rig.SeedAsync();
        var kept = new UncommittedTokens(rig.Tokens(new RefreshToken("rt-kept"), "at-kept"), record.RefreshTokenGeneration, record.Tokens!.RefreshToken, RefreshTrigger.Expiring);
        rig.Source.Kept.Keep(kept);

        var token = await RunAsync(rig, rig.Flight(RefreshTrigger.Expiring));

        Assert.Equal(new AccessToken("at-kept"), token.Token);
        Assert.Equal(0, rig.Provider.Requests);
        Assert.Equal(new RefreshToken("rt-kept"), (await rig.RecordAsync()).Tokens!.RefreshToken);
    }

    [Fact]
    public async Task AFlightThatOnlyStoresKeptTokens_NeverRefreshes()
    {
        var rig = new RefreshRig();
        var record = await rig.SeedAsync();
        rig.Source.Kept.Keep(new UncommittedTokens(rig.Tokens(new RefreshToken("rt-kept")) with { AccessToken = new AccessToken("at-old"), ExpiresAt = rig.Now }, record.RefreshTokenGeneration, record.Tokens!.RefreshToken, RefreshTrigger.Expiring, RefreshTokenOnly: true));

        await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => RunAsync(rig, rig.Flight(RefreshTrigger.StoreKept)));

        Assert.Equal(0, rig.Provider.Requests);
        Assert.Equal(new RefreshToken("rt-kept"), (await rig.RecordAsync()).Tokens!.RefreshToken);
        Assert.Null(rig.Source.Kept.Current);
    }

    [Fact]
    public async Task AConnectionCoolingDown_IsNotRefreshed_ButItsKeptTokensAreStillStored()
    {
        var rig = new RefreshRig();
        var record = await rig.SeedAsync(shape: r => r with { NextAttemptAt = rig.Now.AddMinutes(5), ConsecutiveFailures = 2, LastError = "HTTP 503" });

        await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => RunAsync(rig, rig.Flight()));
        rig.Source.Kept.Keep(new UncommittedTokens(rig.Tokens(new RefreshToken("rt-kept"), "at-kept"), record.RefreshTokenGeneration, record.Tokens!.RefreshToken, RefreshTrigger.Expiring));
        var token = await RunAsync(rig, rig.Flight());

        Assert.Equal(new AccessToken("at-kept"), token.Token);
        Assert.Equal(0, rig.Provider.Requests);
    }
}
