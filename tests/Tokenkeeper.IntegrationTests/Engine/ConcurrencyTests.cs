using System.Net;
using Tokenkeeper.Connections;
using Tokenkeeper.IntegrationTests.Support;
using Tokenkeeper.Simulator;

namespace Tokenkeeper.IntegrationTests.Engine;

/// <summary>Issue 3, items 1, 2 and 6: many workers over real HTTP through expiry, rotation and token-endpoint faults.</summary>
public sealed class ConcurrencyTests
{
    private const int Workers = 64;
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task SixtyFourWorkers_ThreeLifetimes_ReuseDetection_NoUnauthorizedReachesACaller_OneRefreshPerLifetime()
    {
        await using var h = await EngineHarness.StartAsync(new SimulatorOptions { AccessTtl = Lifetime, Rotation = RotationMode.ReuseDetection, Seed = 11 });
        var manager = h.CreateManager(h.OpenStore());
        var (definition, _) = await h.NewConnectionAsync("crm");
        await manager.RegisterAsync(definition);
        using var api = h.ApiClient(manager, "crm");
        var before = h.Simulator.GetStats();

        var outcome = await RunWorkersAsync(h, api, lifetimes: 3);

        var stats = h.Simulator.GetStats();
        var refreshes = stats.RefreshesServed - before.RefreshesServed;
        Assert.Equal(0, outcome.Failures);
        Assert.True(outcome.Requests > Workers * 20, $"only {outcome.Requests} requests ran");
        Assert.Equal(0, stats.RefreshTokenReuseAttempts);
        Assert.Equal(0, stats.GrantsRevoked);
        // One refresh to turn the bootstrap refresh token into a first access token, then one per lifetime: a token is
        // refreshed at its refresh-ahead point (a quarter of its life before expiry), so three lifetimes take four. Not × 64.
        Assert.InRange(refreshes, 3, 5);
        Assert.Equal(ConnectionState.Active, (await manager.GetConnectionAsync("crm"))!.Status.State);
        h.AssertNoSecretLeaked();
    }

    [Fact]
    public async Task SixtyFourWorkers_ThirtyPercentTokenEndpointFaults_GraceRotation_NoFailureReachesACaller_LostResponsesRecovered()
    {
        var options = new SimulatorOptions
        {
            AccessTtl = Lifetime,
            Rotation = RotationMode.Grace,
            RotationGrace = TimeSpan.FromSeconds(30),
            FaultRate = 0.3,
            Faults = ["503", "drop-after"],
            Seed = 7,
        };
        await using var h = await EngineHarness.StartAsync(options);
        var manager = h.CreateManager(h.OpenStore());
        var (definition, _) = await h.NewConnectionAsync("crm", configure: c =>
        {
            // Told what the provider does: an answer lost after it rotated may be recovered inside its grace window.
            c.Rotation = RefreshTokenRotation.RotatingWithGrace;
            c.RotationGrace = options.RotationGrace;
        });
        await manager.RegisterAsync(definition);
        using var api = h.ApiClient(manager, "crm");

        var outcome = await RunWorkersAsync(h, api, lifetimes: 4, step: TimeSpan.FromSeconds(1));

        var stats = h.Simulator.GetStats();
        Assert.Equal(0, outcome.Failures);
        Assert.True(stats.FaultsInjected.GetValueOrDefault("drop-after") > 0, "no response was lost: the test proved nothing");
        Assert.True(stats.ReuseWithinGrace > 0, "a lost response was never recovered with the old refresh token inside the grace window");
        Assert.Equal(0, stats.RefreshTokenReuseAttempts);
        var record = await manager.GetConnectionAsync("crm");
        Assert.True(record!.Status.IsUsable);
        h.AssertNoSecretLeaked();
    }

    private static async Task<(long Requests, long Failures)> RunWorkersAsync(EngineHarness h, HttpClient api, int lifetimes, TimeSpan? step = null)
    {
        // Warm up: the first token (from the bootstrap refresh token) before time starts to flow.
        (await api.GetAsync("api/contacts?limit=1")).Dispose();
        var end = h.Clock.GetUtcNow() + (Lifetime * lifetimes);
        long requests = 0;
        long failures = 0;
        var workers = Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            while (h.Clock.GetUtcNow() < end)
            {
                try
                {
                    using var response = await api.GetAsync("api/contacts?limit=1");
                    Interlocked.Increment(ref requests);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
                catch (Exception ex) when (ex is TokenAcquisitionException or HttpRequestException)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        })).ToArray();

        // Time moves a step only after every worker could have made a request in it: the fake lifetimes carry the same traffic
        // on a fast machine and a loaded one.
        await h.RunClockAsync(Task.WhenAll(workers), step ?? TimeSpan.FromMilliseconds(500), progress: () => Interlocked.Read(ref requests) + Interlocked.Read(ref failures), perStep: Workers);
        return (Interlocked.Read(ref requests), Interlocked.Read(ref failures));
    }
}
