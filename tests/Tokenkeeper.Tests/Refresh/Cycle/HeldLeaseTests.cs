using Tokenkeeper.Storage;

namespace Tokenkeeper.Tests.Refresh.Cycle;

/// <summary>A held lease covers every request it guards, and is always given back.</summary>
public sealed class HeldLeaseTests
{
    [Fact]
    public async Task ALeaseWithMoreThanARequestWindowLeft_IsNotRenewed_OneWithLessIs()
    {
        var rig = new RefreshRig();
        await rig.SeedAsync();
        await using var held = await rig.LeaseAsync();
        var first = held.Lease;

        Assert.True(await held.KeepAsync(default));
        Assert.Same(first, held.Lease);
        Assert.True(held.CoversARequest);

        rig.Clock.SetUtcNow(first.ExpiresAt - rig.Context.Timings.RequestWindow);
        Assert.True(await held.KeepAsync(default));
        Assert.Equal(rig.Now + rig.Context.Timings.LeaseSpan, held.Lease.ExpiresAt);
        Assert.Equal(first.Fence, held.Lease.Fence);
    }

    [Fact]
    public async Task ALeaseTakenOverMeanwhile_IsReportedLost()
    {
        var rig = new RefreshRig();
        await rig.SeedAsync();
        await using var held = await rig.LeaseAsync();
        rig.Clock.SetUtcNow(held.Lease.ExpiresAt.AddSeconds(1)); // lapsed
        Assert.NotNull(await rig.Store.TryAcquireLeaseAsync(RefreshRig.Id, "someone-else", TimeSpan.FromMinutes(1)));

        Assert.False(await held.KeepAsync(default));
    }

    [Fact]
    public async Task Disposing_GivesTheLeaseBack_AndAFailingReleaseIsOnlyLogged()
    {
        var rig = new RefreshRig();
        await rig.SeedAsync();
        var held = await rig.LeaseAsync();
        Assert.Null(await rig.Store.TryAcquireLeaseAsync(RefreshRig.Id, "peer", TimeSpan.FromMinutes(1)));

        await held.DisposeAsync();

        var peers = await rig.Store.TryAcquireLeaseAsync(RefreshRig.Id, "peer", TimeSpan.FromMinutes(1));
        Assert.NotNull(peers);
        await rig.Store.ReleaseLeaseAsync(peers);
        var failing = await rig.LeaseAsync();
        rig.Store.ReleaseLease = _ => throw new TokenStoreException("the store is down");
        await failing.DisposeAsync(); // the lease lapses on its own: a refresh elsewhere is only delayed

        Assert.Contains(rig.Logs.Lines, l => l.Contains("release failed: TokenStoreException", StringComparison.Ordinal));
    }
}
