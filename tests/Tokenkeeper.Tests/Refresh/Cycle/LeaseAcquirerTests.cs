using System.Diagnostics;
using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Tests.Refresh.Cycle;

/// <summary>Taking a connection's lease: at once when free, after a peer when held, never over a peer's request in flight.</summary>
public sealed class LeaseAcquirerTests
{
    private static LeaseAcquirer Acquirer(RefreshRig rig) => new(rig.Context, rig.Engine.Adopter);

    [Fact]
    public async Task AFreeLease_IsTaken_WithTheRecordReadUnderIt()
    {
        var rig = new RefreshRig();
        var seeded = await rig.SeedAsync();

        var acquired = await Acquirer(rig).AcquireAsync(rig.Source, rig.Flight(), default);

        await using var held = acquired.Held!;
        Assert.Equal(seeded.Version, acquired.Record!.Version);
        Assert.Null(acquired.Adopted);
        Assert.Equal(rig.Options.InstanceId, (await rig.Store.GetLeaseAsync(RefreshRig.Id))!.Owner);
    }

    [Fact]
    public async Task WhileAPeerHoldsTheLease_ItsRefreshedTokenIsAdopted_AndNoLeaseIsTaken()
    {
        var rig = new RefreshRig();
        var seeded = await rig.SeedAsync();
        var peers = (await rig.Store.TryAcquireLeaseAsync(RefreshRig.Id, "peer", TimeSpan.FromMinutes(5)))!;
        var waiting = Acquirer(rig).AcquireAsync(rig.Source, rig.Flight(), default);
        await rig.Store.CommitAsync(new ConnectionCommit(seeded with { Tokens = rig.Tokens(seeded.Tokens!.RefreshToken, "at-from-the-peer") }, seeded.Version, peers));

        var acquired = await rig.DriveAsync(waiting);

        Assert.Null(acquired.Held);
        Assert.Equal(new AccessToken("at-from-the-peer"), acquired.Adopted!.Token);
        Assert.Equal("peer", (await rig.Store.GetLeaseAsync(RefreshRig.Id))!.Owner);
    }

    [Fact]
    public async Task APeerThatNeverLetsGo_EndsTheWaitAfterThePatience_WithARetryTime()
    {
        var rig = new RefreshRig(configure: o => o.LeaseWaitTimeout = TimeSpan.FromMinutes(2), requestTimeout: TimeSpan.FromSeconds(10));
        await rig.SeedAsync();
        await rig.Store.TryAcquireLeaseAsync(RefreshRig.Id, "peer", TimeSpan.FromDays(1));
        var started = rig.Now;

        var ex = await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => rig.DriveAsync(Acquirer(rig).AcquireAsync(rig.Source, rig.Flight(), default)));

        Assert.True(rig.Now - started >= rig.Context.Timings.LeasePatience);
        Assert.NotNull(ex.RetryNotBefore);
        Assert.Contains("another instance has held the refresh", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APeersRequestStillInFlight_IsWaitedFor_EvenWhenItsLeaseLapsed()
    {
        var rig = new RefreshRig(configure: o => o.LeaseWaitTimeout = TimeSpan.FromMinutes(10));
        var seeded = await rig.SeedAsync();
        var inFlightUntil = rig.Now.AddMinutes(1);
        var intent = new RefreshIntent(seeded.RefreshTokenGeneration, "fp", rig.Now, "peer-paused-past-its-lease", ResponseLost: false, inFlightUntil);
        await rig.Store.CommitAsync(new ConnectionCommit(seeded with { PendingRefresh = intent }, seeded.Version));

        var acquired = await rig.DriveAsync(Acquirer(rig).AcquireAsync(rig.Source, rig.Flight(), default));

        await using var held = acquired.Held!;
        Assert.True(rig.Now >= inFlightUntil, "the lease was taken while the peer's request could still be at the provider");
        Assert.Equal(intent, acquired.Record!.PendingRefresh); // in doubt now, for the refresh to settle
    }

    [Fact]
    public async Task ALeaseOfAProcessOfThisMachineThatDied_IsTakenOverAtOnce()
    {
        var rig = new RefreshRig();
        await rig.SeedAsync();
        using var dead = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        await dead.WaitForExitAsync();
        var owner = $"{Environment.MachineName}:{dead.Id}:{LeaseOwners.PidNamespace}:abcd";
        await rig.Store.TryAcquireLeaseAsync(RefreshRig.Id, owner, TimeSpan.FromDays(1));
        var started = rig.Now;

        var acquired = await Acquirer(rig).AcquireAsync(rig.Source, rig.Flight(), default);

        await using var held = acquired.Held!;
        Assert.Equal(started, rig.Now); // no wait
        Assert.Contains(rig.Logs.Lines, l => l.Contains(owner, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AConnectionThatMayNotRefresh_GivesTheLeaseBack()
    {
        var rig = new RefreshRig();
        await rig.SeedAsync(shape: r => r with { NextAttemptAt = rig.Now.AddMinutes(5), ConsecutiveFailures = 1, LastError = "HTTP 503" });

        await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => Acquirer(rig).AcquireAsync(rig.Source, rig.Flight(), default));

        Assert.Null(await rig.Store.GetLeaseAsync(RefreshRig.Id));
    }
}
