using Tokenkeeper.Simulator;

namespace Tokenkeeper.IntegrationTests.Sync;

/// <summary>The first user story's promise: a job that dies — here by SIGKILL, at random points, five times — resumes from
/// its last checkpoint, and the destination ends up with every record exactly once.</summary>
public sealed class KillAndResumeTests
{
    private const int Contacts = 20_000;
    private const int PageSize = 250;
    private const int BatchSize = 100;

    [Fact]
    public async Task Sync_KilledFiveTimesAtRandomPoints_RerunStoresEveryContactExactlyOnce_AndItsReportAgreesWithTheSimulator()
    {
        await using var harness = await SyncHarness.StartAsync(new SimulatorOptions
        {
            Contacts = Contacts,
            AccessTtl = TimeSpan.FromSeconds(4),
            Rotation = RotationMode.ReuseDetection,
            ReuseInterval = TimeSpan.FromSeconds(30),
            ApiFaultRate = 0.01,
            ApiFaults = ["drop-after"],
        });

        // Pages of 250 and batches of 100: batches cross page boundaries, so checkpoints also point inside a page. A kill may land
        // while a refresh is at the provider: the connections know its reuse interval, so the next run recovers it inside that.
        await harness.WriteJobAsync(PageSize, BatchSize, job => SyncHarness.DeclareReuseInterval(job, "30s"));
        // The batches the kills aim at come from a fixed seed, so a failure names a run that can be repeated (another seed:
        // TOKENKEEPER_TEST_SEED). Where in its work a killed process stands is real timing, and meant to be.
        var seed = int.TryParse(Environment.GetEnvironmentVariable("TOKENKEEPER_TEST_SEED"), out var chosen) ? chosen : 20261207;
        var random = new Random(seed);
        var target = 0L;
        for (var kill = 1; kill <= 5; kill++)
        {
            target += random.Next(8, 30);
            using var process = harness.Start("sync", "--config", harness.JobPath, "--json");
            await Waits.UntilAsync(() => harness.Simulator.GetStats().BatchesStored >= target || process.HasExited, $"kill {kill} (seed {seed}): batch {target} stored");
            Assert.False(process.HasExited, $"kill {kill} (seed {seed}): the sync ended before it could be killed:\n{(process.HasExited ? await process.WaitAsync() : null)}");

            // Right after the simulator stored a batch the process is usually between the write and its checkpoint.
            await Task.Delay(random.Next(0, 15));
            process.KillHard();
            var killed = await process.WaitAsync();
            Assert.NotEqual(0, killed.ExitCode);
        }

        var final = await harness.RunSyncAsync("--json");

        Assert.True(final.ExitCode == 0, final.ToString());
        var report = final.Json;
        var stats = harness.Simulator.GetStats();
        Assert.Equal("completed", (string?)report["status"]);
        Assert.True((long)report["resumed_from_batch"]! > 0, final.ToString());
        Assert.Equal(0, (long)report["failures_surfaced"]!);
        Assert.Equal(Contacts, stats.ContactsStoredDistinct);
        Assert.Equal(Contacts, stats.ContactsReceived);
        Assert.Equal(0, stats.IdempotencyConflicts);
        Assert.Equal(stats.ContactsStoredDistinct, (long)report["records_written"]!);
        Assert.Equal(stats.ContactsStoredDistinct, (long)report["records_read"]!);
        Assert.Equal(stats.BatchesStored, (long)report["batches"]!);
        Assert.Equal(0, stats.RefreshTokenReuseAttempts);
    }
}
