using Tokenkeeper.Cli.Demo;
using Tokenkeeper.Connections;

namespace Tokenkeeper.IntegrationTests.Lifecycle;

/// <summary>The lifecycle demo's schedule: 180 days on a fake clock against in-process simulators on the same clock.</summary>
public sealed class LifecycleDemoSimulationTests
{
    [Fact]
    public async Task WithKeepAlive_IdleLimitedConnectionsLiveAllYear_AbsoluteOnesAreWarnedOnScheduleThenNeedReconnecting()
    {
        var run = await LifecycleDemo.SimulateAsync(180, keepAlive: true, CancellationToken.None);

        var salesforce = run.Connections.Single(c => c.Id == "salesforce");
        var xero = run.Connections.Single(c => c.Id == "xero");
        var analytics = run.Connections.Single(c => c.Id == "analytics");
        var google = run.Connections.Single(c => c.Id == "google-testing");

        Assert.Equal(nameof(ConnectionState.Active), salesforce.FinalState);
        Assert.Equal(9, salesforce.KeepaliveRefreshes); // every 20 days: a third of the 30-day idle limit to spare
        Assert.Empty(salesforce.StateChanges);
        Assert.Equal(nameof(ConnectionState.Active), xero.FinalState);
        Assert.Equal(4, xero.KeepaliveRefreshes);       // every 40 days against a 60-day idle limit
        Assert.Empty(xero.StateChanges);

        Assert.Equal([new DemoWarning(76, 14), new DemoWarning(83, 7), new DemoWarning(87, 3), new DemoWarning(89, 1)], analytics.Warnings);
        Assert.Equal([new DemoStateChange(90, "Active", "ReconnectRequired", StateReasons.RefreshTokenExpired)], analytics.StateChanges);
        Assert.Equal(0, analytics.KeepaliveRefreshes);
        Assert.Equal([new DemoWarning(0, 7), new DemoWarning(4, 3), new DemoWarning(6, 1)], google.Warnings);
        Assert.Equal([new DemoStateChange(7, "Active", "ReconnectRequired", StateReasons.RefreshTokenExpired)], google.StateChanges);
    }

    [Fact]
    public async Task WithoutKeepAlive_IdleLimitedConnectionsDieAtTheirIdleLimit()
    {
        var run = await LifecycleDemo.SimulateAsync(180, keepAlive: false, CancellationToken.None);

        Assert.Equal(30, run.Connections.Single(c => c.Id == "salesforce").FailedOnDay);
        Assert.Equal(60, run.Connections.Single(c => c.Id == "xero").FailedOnDay);
        Assert.Equal(90, run.Connections.Single(c => c.Id == "analytics").FailedOnDay);
        Assert.Equal(7, run.Connections.Single(c => c.Id == "google-testing").FailedOnDay);
        Assert.All(run.Connections, c =>
        {
            Assert.Equal(nameof(ConnectionState.ReconnectRequired), c.FinalState);
            Assert.Equal(StateReasons.RefreshTokenExpired, c.FinalReason);
            Assert.Equal(0, c.KeepaliveRefreshes);
        });
    }
}
