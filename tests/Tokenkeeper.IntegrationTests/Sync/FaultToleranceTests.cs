using Tokenkeeper.Cli.Jobs;
using Tokenkeeper.Refresh;
using Tokenkeeper.Simulator;

namespace Tokenkeeper.IntegrationTests.Sync;

/// <summary>A sync that lives through many access-token lifetimes on a provider that fails 5% of token and API requests
/// (and rotates single-use refresh tokens) completes without surfacing a single failure.</summary>
public sealed class FaultToleranceTests
{
    private const int Contacts = 30_000;
    private static readonly TimeSpan AccessTtl = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Sync_AcrossTenTokenLifetimesWithFivePercentFaults_CompletesWithNoFailureSurfaced()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 3, 14, 2, 0, 0, TimeSpan.Zero));
        string[] faults = ["503", "500", "429", "drop-before", "drop-after"];
        var options = new SimulatorOptions
        {
            Contacts = Contacts,
            AccessTtl = AccessTtl,
            Rotation = RotationMode.ReuseDetection,
            // Generous on the fake clock: the pump below can move it several seconds during one slow token request.
            ReuseInterval = TimeSpan.FromMinutes(5),
            FaultRate = 0.05,
            Faults = faults,
            ApiFaultRate = 0.05,
            ApiFaults = faults,
        };
        await using var harness = await SyncHarness.StartAsync(options, clock);
        // The connections are told what the provider does (reuse detection with a 5-minute reuse interval), so an answer lost after
        // the provider rotated (drop-after) is sent again inside that interval; without it, in doubt means reconnect (LostAnswerTests).
        await harness.WriteJobAsync(pageSize: 100, batchSize: 100, change: job => SyncHarness.DeclareReuseInterval(job, "5m"));
        var started = clock.GetUtcNow();

        // Time flows with the work: every API request the simulator sees moves the shared clock on by 1/40 of a token
        // lifetime (600 requests: 15 lifetimes), and an idle moment moves it on by 50 ms, so backoff delays elapse.
        var run = harness.RunSyncInProcessAsync(harness.JobPath, new SyncRunSettings
        {
            Json = true,
            Time = clock,
            ManagerOptions = new TokenManagerOptions { RefreshAheadJitter = 0.5 },
        });
        await TimeFlowsWithWorkAsync(harness.Simulator, clock, run);
        var result = await run;

        Assert.True(result.ExitCode == 0, result.ToString());
        var report = result.Json;
        var stats = harness.Simulator.GetStats();
        var lifetimes = (clock.GetUtcNow() - started) / AccessTtl;
        Assert.True(lifetimes >= 10, $"the run spanned only {lifetimes:0.0} token lifetimes");
        Assert.Equal("completed", (string?)report["status"]);
        Assert.Equal(0, (long)report["failures_surfaced"]!);
        Assert.True((long)report["token_refreshes"]! >= 2 * 9, $"{report["token_refreshes"]} refreshes over {lifetimes:0.0} lifetimes of two connections");
        // The token endpoint sees only a few dozen requests, so whether one of them drew a fault is chance; the API's
        // hundreds of requests always draw some.
        Assert.True(stats.ApiFaultsInjected.Values.Sum() >= 10, $"only {stats.ApiFaultsInjected.Values.Sum()} API faults were injected");
        Assert.Equal(Contacts, stats.ContactsStoredDistinct);
        Assert.Equal(Contacts, stats.ContactsReceived);
        Assert.Equal(0, stats.RefreshTokenReuseAttempts);
    }

    private static async Task TimeFlowsWithWorkAsync(SimulatorServer simulator, ManualTimeProvider clock, Task run)
    {
        var seen = 0L;
        var idle = 0;
        while (!run.IsCompleted)
        {
            await Task.Delay(1);
            var requests = simulator.GetStats().ApiRequests;
            if (requests > seen)
            {
                clock.Advance(AccessTtl / 40 * (requests - seen));
                seen = requests;
                idle = 0;
            }
            else if (++idle >= 3)
            {
                // Slow enough that a token request never outlives its 30 s timeout on the fake clock, even on a loaded machine.
                clock.Advance(TimeSpan.FromMilliseconds(50));
            }
        }
    }
}
