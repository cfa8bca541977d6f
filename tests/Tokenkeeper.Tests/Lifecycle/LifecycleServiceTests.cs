using System.Net;
using Tokenkeeper.Connections;
using Tokenkeeper.Lifecycle;
using Tokenkeeper.Storage;
using Tokenkeeper.Tests.Support;
using Tokenkeeper.Events;

namespace Tokenkeeper.Tests.Lifecycle;

public sealed class LifecycleServiceTests
{
    private const string Id = ManagerFixture.ConnectionId;

    [Fact]
    public async Task KeepAlive_RefreshesBeforeEachIdleDeadline_DrivenByTheRefreshTokensClock()
    {
        await using var f = new ManagerFixture(profile: ProviderProfiles.Salesforce);
        await f.Manager.RegisterAsync(ManagerFixture.Definition(Id, f.InitialRefreshToken, ProviderProfiles.Salesforce));
        var service = new LifecycleService(f.Manager);
        var start = f.Clock.GetUtcNow();
        var keepAlives = new List<int>();

        for (var day = 0; day <= 90; day++)
        {
            f.Clock.SetUtcNow(start.AddDays(day));
            var pass = await f.DriveAsync(service.RunDueAsync());
            if (pass.Actions.Any(a => a.Kind == "keepalive" && a.Succeeded))
            {
                keepAlives.Add(day);
            }
        }

        Assert.Equal([20, 40, 60, 80], keepAlives);
        Assert.Equal(4, f.Provider.Requests);
        Assert.Equal(ConnectionState.Active, (await f.RecordAsync()).Status.State);
    }

    [Fact]
    public async Task Warnings_AreSentBeforeTheAbsoluteDeadline_EachOnce_ThenTheDeadConnectionIsFound()
    {
        await using var f = new ManagerFixture(profile: ProviderProfiles.GoogleTesting);
        await f.Manager.RegisterAsync(ManagerFixture.Definition(Id, f.InitialRefreshToken, ProviderProfiles.GoogleTesting));
        var service = new LifecycleService(f.Manager);
        var start = f.Clock.GetUtcNow();

        for (var hour = 0; hour <= 8 * 24; hour += 6)
        {
            f.Clock.SetUtcNow(start.AddHours(hour));
            if (hour == 7 * 24)
            {
                f.Provider.RevokeAll(); // the provider expires the refresh token at its deadline
            }

            await f.DriveAsync(service.RunDueAsync());
        }

        var events = ((InMemoryTokenStore)f.Store).Events;
        var warnings = events.Where(e => e.Type == ConnectionEventTypes.ExpiryWarning).ToList();
        Assert.Equal(["7", "3", "1"], warnings.Select(w => w.Data!["days_left"]));
        Assert.Equal([start, start.AddDays(4), start.AddDays(6)], warnings.Select(w => w.OccurredAt));
        var record = await f.RecordAsync();
        Assert.Equal(ConnectionState.ReconnectRequired, record.Status.State);
        Assert.Equal(StateReasons.RefreshTokenExpired, record.Status.Reason);
        Assert.Contains(events, e => e.Type == ConnectionEventTypes.ReconnectRequired && e.Reason == StateReasons.RefreshTokenExpired);
    }

    [Fact]
    public async Task OneBlip_ASingle503_DuringAKeepAlive_LeavesTheConnectionActive()
    {
        await using var f = new ManagerFixture(profile: ProviderProfiles.Xero);
        await f.Manager.RegisterAsync(ManagerFixture.Definition(Id, f.InitialRefreshToken, ProviderProfiles.Xero));
        var service = new LifecycleService(f.Manager);
        f.Clock.Advance(TimeSpan.FromDays(40));
        f.Provider.Enqueue(HttpStatusCode.ServiceUnavailable, """{"error":"temporarily_unavailable"}""");

        var pass = await f.DriveAsync(service.RunDueAsync());

        Assert.True(Assert.Single(pass.Actions).Succeeded);
        var record = await f.RecordAsync();
        Assert.Equal(ConnectionState.Active, record.Status.State);
        Assert.DoesNotContain(record.History, h => h.To is ConnectionState.Degraded or ConnectionState.ReconnectRequired);
    }

    [Fact]
    public async Task OneBlip_ATimeout_DuringAKeepAlive_IsRetried_AndLeavesTheConnectionActive()
    {
        await using var f = new ManagerFixture(profile: ProviderProfiles.Xero);
        await f.Manager.RegisterAsync(ManagerFixture.Definition(Id, f.InitialRefreshToken, ProviderProfiles.Xero));
        var service = new LifecycleService(f.Manager);
        f.Clock.Advance(TimeSpan.FromDays(40));
        f.Provider.Enqueue(_ => throw new TaskCanceledException("the provider hung"));

        var pass = service.RunDueAsync();
        var result = await f.DriveAsync(pass);

        Assert.True(Assert.Single(result.Actions).Succeeded);
        Assert.Equal(ConnectionState.Active, (await f.RecordAsync()).Status.State);
    }

    [Fact]
    public async Task AFailedKeepAliveCycle_IsDegraded_RetriedAfterTheBackoff_AndRecovers_NeverReconnectRequired()
    {
        await using var f = new ManagerFixture(profile: ProviderProfiles.Xero);
        await f.Manager.RegisterAsync(ManagerFixture.Definition(Id, f.InitialRefreshToken, ProviderProfiles.Xero));
        var service = new LifecycleService(f.Manager);
        f.Clock.Advance(TimeSpan.FromDays(40));
        f.Provider.FailWith = HttpStatusCode.BadGateway;

        var failed = await f.DriveAsync(service.RunDueAsync());
        var degraded = await f.RecordAsync();
        var requests = f.Provider.Requests;
        var early = await f.DriveAsync(service.RunDueAsync());
        var requestsAfterEarlyPass = f.Provider.Requests;
        f.Provider.FailWith = null;
        f.Clock.SetUtcNow(degraded.NextAttemptAt!.Value);
        var retried = await f.DriveAsync(service.RunDueAsync());

        Assert.False(Assert.Single(failed.Actions).Succeeded);
        Assert.Equal(ConnectionState.Degraded, degraded.Status.State);
        Assert.Empty(early.Actions);
        Assert.Equal(requests, requestsAfterEarlyPass);
        Assert.True(Assert.Single(retried.Actions).Succeeded);
        var record = await f.RecordAsync();
        Assert.Equal(ConnectionState.Active, record.Status.State);
        Assert.DoesNotContain(record.History, h => h.To == ConnectionState.ReconnectRequired);
    }

    [Fact]
    public async Task ThreeFailedCyclesInARow_RaiseOneRepeatedFailuresAlert()
    {
        await using var f = new ManagerFixture(profile: ProviderProfiles.Xero);
        await f.Manager.RegisterAsync(ManagerFixture.Definition(Id, f.InitialRefreshToken, ProviderProfiles.Xero));
        var service = new LifecycleService(f.Manager);
        f.Clock.Advance(TimeSpan.FromDays(40));
        f.Provider.FailWith = HttpStatusCode.ServiceUnavailable;

        for (var i = 0; i < 5; i++)
        {
            await f.DriveAsync(service.RunDueAsync());
            f.Clock.SetUtcNow((await f.RecordAsync()).NextAttemptAt!.Value);
        }

        var alerts = ((InMemoryTokenStore)f.Store).Events.Where(e => e.Type == ConnectionEventTypes.RepeatedFailures).ToList();
        Assert.Equal("3", Assert.Single(alerts).Data!["consecutive_failures"]);
        Assert.Equal(5, (await f.RecordAsync()).ConsecutiveFailures);
    }

    [Fact]
    public async Task NextDueAt_PointsAtTheEarliestKeepAliveOrWarning()
    {
        await using var f = new ManagerFixture(profile: ProviderProfiles.Salesforce);
        await f.Manager.RegisterAsync(ManagerFixture.Definition(Id, f.InitialRefreshToken, ProviderProfiles.Salesforce));
        var service = new LifecycleService(f.Manager, new LifecycleOptions { MaxSleep = TimeSpan.FromDays(365) });
        var start = f.Clock.GetUtcNow();

        var pass = await service.RunDueAsync();

        Assert.Equal(start.AddDays(20), pass.NextDueAt);
    }

    [Fact]
    public async Task AGrantThatOutlivesItsProfile_IsProbedAtTheDeadline_ThenDaily_NotOnEveryPass()
    {
        // The profile says 7 days; this provider keeps accepting the refresh token (the grant was never in testing status).
        await using var f = new ManagerFixture(profile: ProviderProfiles.GoogleTesting);
        await f.Manager.RegisterAsync(ManagerFixture.Definition(Id, f.InitialRefreshToken, ProviderProfiles.GoogleTesting));
        var service = new LifecycleService(f.Manager);
        var deadline = f.Clock.GetUtcNow().AddDays(7);
        f.Clock.SetUtcNow(deadline.AddHours(1));
        var before = f.Provider.Requests;

        var probed = await f.DriveAsync(service.RunDueAsync());
        var afterProbe = f.Provider.Requests;
        var probedAt = (await f.RecordAsync()).LastRefreshAt!.Value;
        f.Clock.Advance(TimeSpan.FromMinutes(5));
        var quiet = await f.DriveAsync(service.RunDueAsync());
        var plan = Assert.Single(await service.PlanAsync());
        f.Clock.SetUtcNow(plan.NextDueAt!.Value);
        var nextDay = await f.DriveAsync(service.RunDueAsync());

        Assert.Equal("probe", Assert.Single(probed.Actions, a => a.Succeeded).Kind);
        Assert.Equal(before + 1, afterProbe);
        Assert.Empty(quiet.Actions);
        Assert.Equal(probedAt + LifecycleConstants.DeadlineProbeInterval, plan.NextDueAt);
        Assert.Equal("probe", Assert.Single(nextDay.Actions).Kind);
        Assert.Equal(afterProbe + 1, f.Provider.Requests);
        Assert.Equal(ConnectionState.Active, (await f.RecordAsync()).Status.State);
    }

    [Fact]
    public async Task ADegradedConnection_NextPassIsDueWhenItsBackoffEnds_NotBefore()
    {
        await using var f = new ManagerFixture(profile: ProviderProfiles.Xero);
        await f.Manager.RegisterAsync(ManagerFixture.Definition(Id, f.InitialRefreshToken, ProviderProfiles.Xero));
        var service = new LifecycleService(f.Manager);
        f.Clock.Advance(TimeSpan.FromDays(40));
        f.Provider.FailWith = HttpStatusCode.BadGateway;

        var failed = await f.DriveAsync(service.RunDueAsync());
        var degraded = await f.RecordAsync();

        Assert.Equal(ConnectionState.Degraded, degraded.Status.State);
        Assert.True(degraded.NextAttemptAt > f.Clock.GetUtcNow());
        Assert.Equal(degraded.NextAttemptAt, failed.NextDueAt);
    }

    [Fact]
    public async Task RunningService_PastADeadlineTheProviderIgnores_RefreshesOnce_NotEverySecond()
    {
        await using var f = new ManagerFixture(profile: ProviderProfiles.GoogleTesting);
        await f.Manager.RegisterAsync(ManagerFixture.Definition(Id, f.InitialRefreshToken, ProviderProfiles.GoogleTesting));
        var service = new LifecycleService(f.Manager);
        f.Clock.SetUtcNow(f.Clock.GetUtcNow().AddDays(7).AddMinutes(-1));
        var before = f.Provider.Requests;
        var end = f.Clock.GetUtcNow().AddHours(2);
        using var stop = new CancellationTokenSource();

        var run = service.RunAsync(stop.Token);
        var idle = 0;
        while (f.Clock.GetUtcNow() < end && !run.IsCompleted)
        {
            // Jump to the service's next timer once it is parked on one; otherwise let it work.
            if (f.Clock.NextDueTime() is { } due && due - f.Clock.GetUtcNow() <= ManagerFixture.MaxDriveJump && ++idle > 50)
            {
                f.Clock.SetUtcNow(due > f.Clock.GetUtcNow() ? due : f.Clock.GetUtcNow());
                idle = 0;
            }
            else
            {
                await Task.Yield();
                Thread.Yield();
            }
        }

        await stop.CancelAsync();
        await run;

        // One probe at the deadline in two hours of running, where every one-second pass used to refresh again.
        Assert.Equal(before + 1, f.Provider.Requests);
        Assert.Equal(ConnectionState.Active, (await f.RecordAsync()).Status.State);
    }
}
