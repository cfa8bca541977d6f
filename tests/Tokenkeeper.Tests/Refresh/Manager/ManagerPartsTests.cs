using Tokenkeeper.Connections;
using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;
using Tokenkeeper.Tests.Refresh.Cycle;
using Tokenkeeper.Tests.Support;
using Tokenkeeper.Tokens;
using Tokenkeeper.Events;

namespace Tokenkeeper.Tests.Refresh.Manager;

/// <summary>The parts the manager delegates to, each alone: the source cache, the auth-loop alerts, the record updater, the
/// connection registry and the operator actions.</summary>
public sealed class ManagerPartsTests
{
    [Fact]
    public void TheSourceCache_CreatesEachSourceOnce_AndRefusesABlankName()
    {
        var rig = new RefreshRig();
        var created = 0;
        var cache = new TokenSourceCache(id => { created++; return new ConnectionTokenSource(id, rig.Engine, _ => Task.CompletedTask, default); });

        var first = cache.Get("crm");
        var again = Enumerable.Range(0, 10).Select(_ => cache.Get("crm")).ToArray();

        Assert.All(again, s => Assert.Same(first, s));
        Assert.Equal(1, created);
        Assert.Throws<ArgumentException>(() => cache.Get(" "));
        Assert.Single(cache.All);
    }

    [Fact]
    public async Task AuthLoopAlerts_GoOutAtMostOncePerInterval()
    {
        var clock = new ManualTimeProvider();
        var store = new InMemoryTokenStore(clock);
        var alerts = new AuthLoopAlerts(store, clock);
        var rig = new RefreshRig();
        var record = await rig.SeedAsync(withAccessToken: true);
        rig.Engine.Adopter.TryAdopt(rig.Source, record, rig.Flight(), out var rejected);

        await alerts.ReportAsync("crm", rejected, "GET", "/contacts", default);
        await alerts.ReportAsync("crm", rejected, "GET", "/contacts", default);
        clock.Advance(RefreshConstants.AuthLoopAlertInterval);
        await alerts.ReportAsync("crm", rejected, "GET", "/contacts", default);

        var events = await store.ReadAsync("crm");
        Assert.Equal(2, events.Count(e => e.Event.Type == ConnectionEventTypes.AuthLoop));
        Assert.All(events, e => Assert.Equal(rejected.Fingerprint, e.Event.Data!["access_token"]));
    }

    [Fact]
    public async Task TheRecordUpdater_ReappliesAChangeOnTheLatestRecord_AfterAConflict()
    {
        var rig = new RefreshRig();
        var seeded = await rig.SeedAsync();
        var updater = new RecordUpdater(rig.Store, rig.Clock, rig.Metrics);
        var calls = 0;

        var updated = await updater.UpdateAsync(RefreshRig.Id, (record, _) =>
        {
            if (++calls == 1)
            {
                rig.Store.CommitAsync(new ConnectionCommit(record with { LastError = "a peer's change" }, record.Version)).AsTask().GetAwaiter().GetResult();
            }

            return (record with { ConsecutiveFailures = 9 }, []);
        }, default);

        Assert.Equal(2, calls);
        Assert.Equal(("a peer's change", 9), (updated.LastError, updated.ConsecutiveFailures));
        Assert.Equal(seeded.Version + 2, (await rig.RecordAsync()).Version);
        Assert.Equal(updated.Version, (await rig.RecordAsync()).Version);
    }

    [Fact]
    public async Task TheRegistry_RegistersADeclaredConnectionOnce_AndAppliesProfileOverrides()
    {
        var clock = new ManualTimeProvider();
        var store = new HookStore(new InMemoryTokenStore(clock));
        var creations = 0;
        store.AfterGetOrCreate = () => { creations++; return Task.CompletedTask; };
        var registry = new ConnectionRegistry(store, clock, new RecordUpdater(store, clock, new Tokenkeeper.Diagnostics.TokenkeeperMetrics()), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, _ => { }, default);
        var definition = ManagerFixture.Definition("crm", "rt-bootstrap");
        registry.Define(definition with { Registration = definition.Registration with { Rotation = RefreshTokenRotation.RotatingWithGrace, RotationGrace = TimeSpan.FromMinutes(2) } });

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => registry.EnsureRegisteredAsync("crm", default)));

        Assert.Equal(1, creations);
        Assert.True(outcomes[0].Created);
        var profile = registry.GetProfile("crm", (await store.GetAsync("crm"))!.Registration);
        Assert.Equal((RefreshTokenRotation.RotatingWithGrace, TimeSpan.FromMinutes(2)), (profile.Rotation, profile.RotationGrace));
        Assert.False((await registry.EnsureRegisteredAsync("not-declared", default)).Created);
        Assert.Throws<TokenkeeperConfigurationException>(() => registry.Define(definition with { Registration = definition.Registration with { Provider = "no-such-provider" } }));
    }

    [Fact]
    public async Task OperatorActions_DisableKeepsAVerdict_AndEnableRestoresIt_WithTheAlertAgain()
    {
        var rig = new RefreshRig();
        await rig.SeedAsync(shape: r => r.WithStatus(ConnectionState.ReconnectRequired, StateReasons.Revoked, rig.Now, "gone"));
        var updater = new RecordUpdater(rig.Store, rig.Clock, rig.Metrics);
        var registry = new ConnectionRegistry(rig.Store, rig.Clock, updater, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, _ => { }, default);
        var sources = new TokenSourceCache(_ => rig.Source);
        var actions = new OperatorActions(registry, updater, sources, rig.Engine, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var epoch = rig.Source.Epoch;

        var disabled = await actions.DisableAsync(RefreshRig.Id, "maintenance", default);
        var enabled = await actions.EnableAsync(RefreshRig.Id, default);

        Assert.Equal((ConnectionState.Disabled, StateReasons.Revoked), (disabled.Status.State, disabled.StatusBeforeDisabled!.Reason));
        Assert.Equal((ConnectionState.ReconnectRequired, StateReasons.Revoked), (enabled.Status.State, enabled.Status.Reason));
        Assert.Equal(1, (await rig.EventTypesAsync()).Count(t => t == ConnectionEventTypes.ReconnectRequired)); // enabling says so again
        Assert.True(rig.Source.Epoch >= epoch + 2);

        var authorised = await actions.AuthorizeAsync(RefreshRig.Id, rig.Tokens(new RefreshToken("rt-new-consent"), "at-new-consent"), default);

        Assert.Equal(ConnectionState.Active, authorised.Status.State);
        Assert.Equal(new AccessToken("at-new-consent"), rig.Source.Current!.Token);
    }
}
