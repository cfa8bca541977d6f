using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;
using Tokenkeeper.Tokens;
using Tokenkeeper.Events;

namespace Tokenkeeper.Tests.Refresh.Cycle;

/// <summary>Storing what a refresh obtained: new tokens published once committed, a salvaged refresh token stored alone.</summary>
public sealed class SuccessCommitterTests
{
    private static SuccessCommitter Committer(RefreshRig rig) =>
        new(rig.Context, new IssuedTokenCommitter(rig.Context, new VersionedCommitter(rig.Context), rig.Engine.KeptStorage), rig.Engine.Adopter);

    [Fact]
    public async Task NewTokens_AreCommittedAsTheNextGeneration_WithTheirEvent_ThenPublished()
    {
        var rig = new RefreshRig();
        var working = await rig.SeedAsync();
        await using var lease = await rig.LeaseAsync();

        var token = await Committer(rig).CommitAsync(rig.Source, rig.Flight(RefreshTrigger.Expiring), working, lease.Lease, rig.Tokens(new RefreshToken("rt-new"), "at-new"), working.Tokens!.RefreshToken, recoveredInDoubt: false, default);

        var stored = await rig.RecordAsync();
        Assert.Equal((working.RefreshTokenGeneration + 1, new RefreshToken("rt-new")), (stored.RefreshTokenGeneration, stored.Tokens!.RefreshToken));
        Assert.Same(token, rig.Source.Current);
        Assert.Equal(stored.Version, token.Version);
        Assert.Contains(ConnectionEventTypes.Refreshed, await rig.EventTypesAsync());
    }

    [Fact]
    public async Task TokensTheStoreWouldNotTake_AreKept_AndTheCallerIsToldTheyAre()
    {
        var rig = new RefreshRig();
        var working = await rig.SeedAsync();
        await using var lease = await rig.LeaseAsync();
        rig.Store.BeforeCommit = _ => throw new TokenStoreException("database is locked", isTransient: true);

        var ex = await Assert.ThrowsAsync<TokenStoreUnavailableException>(() => Committer(rig).CommitAsync(rig.Source, rig.Flight(), working, lease.Lease, rig.Tokens(new RefreshToken("rt-new")), working.Tokens!.RefreshToken, false, default));

        Assert.Contains("they are kept and committed before any further refresh", ex.Message, StringComparison.Ordinal);
        Assert.Equal(new RefreshToken("rt-new"), rig.Source.Kept.Current!.Tokens.RefreshToken);
        Assert.Null(rig.Source.Current); // nothing unstored is served as if it were
        await rig.Stopping.CancelAsync();
    }

    [Fact]
    public async Task TokensSupersededByAPeer_GiveWayToThePeersToken()
    {
        var rig = new RefreshRig();
        var working = await rig.SeedAsync();
        await using var lease = await rig.LeaseAsync();
        var peers = RecordTransitions.Refreshed(working, rig.Tokens(new RefreshToken("rt-peer"), "at-peer"), working.RefreshTokenGeneration, true, rig.Now);
        await rig.Store.CommitAsync(new ConnectionCommit(peers, working.Version, lease.Lease));

        var token = await Committer(rig).CommitAsync(rig.Source, rig.Flight(), working, lease.Lease, rig.Tokens(new RefreshToken("rt-mine"), "at-mine"), working.Tokens!.RefreshToken, false, default);

        Assert.Equal(new AccessToken("at-peer"), token.Token);
        Assert.Equal(new RefreshToken("rt-peer"), (await rig.RecordAsync()).Tokens!.RefreshToken);
    }

    [Fact]
    public async Task ASalvagedRefreshToken_IsStoredAlone_WithoutARefreshEvent()
    {
        var rig = new RefreshRig();
        var working = await rig.SeedAsync(withAccessToken: true);
        await using var lease = await rig.LeaseAsync();

        var after = await Committer(rig).SalvageAsync(rig.Source, rig.Flight(), working, lease.Lease, new RefreshToken("rt-salvaged"), working.Tokens!.RefreshToken, default);

        Assert.Equal(new RefreshToken("rt-salvaged"), after.Tokens!.RefreshToken);
        Assert.Equal(new AccessToken("at-seeded"), after.Tokens.AccessToken);
        Assert.Equal(after.Version, (await rig.RecordAsync()).Version);
        Assert.DoesNotContain(ConnectionEventTypes.Refreshed, await rig.EventTypesAsync());
        Assert.Contains(rig.Logs.Lines, l => l.Contains(new RefreshToken("rt-salvaged").Fingerprint, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ASalvagedRefreshTokenTheStoreWouldNotTake_IsKept()
    {
        var rig = new RefreshRig();
        var working = await rig.SeedAsync();
        await using var lease = await rig.LeaseAsync();
        rig.Store.BeforeCommit = _ => throw new TokenStoreException("database is locked", isTransient: true);

        var ex = await Assert.ThrowsAsync<TokenStoreUnavailableException>(() => Committer(rig).SalvageAsync(rig.Source, rig.Flight(), working, lease.Lease, new RefreshToken("rt-salvaged"), working.Tokens!.RefreshToken, default));

        Assert.Contains("a rotated refresh token could not be stored (database is locked)", ex.Message, StringComparison.Ordinal);
        Assert.True(rig.Source.Kept.Current!.RefreshTokenOnly);
        await rig.Stopping.CancelAsync();
    }
}
