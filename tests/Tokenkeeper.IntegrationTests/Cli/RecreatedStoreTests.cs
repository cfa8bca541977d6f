using Tokenkeeper.Simulator;
using SyncHarness = Tokenkeeper.IntegrationTests.Sync.SyncHarness;

namespace Tokenkeeper.IntegrationTests.Cli;

/// <summary>
/// A job run against a new store after the old one was lost (issue 13, item 5), on the real <c>tokenkeeper sync</c>: its batches
/// carry new Idempotency-Keys (a lineage born with the job's first checkpoint in a store), so the destination stores them rather
/// than replaying the old run's answers; and every report says, in <c>batches_replayed</c>, how many batches the destination
/// answered as replays, so a run never claims writes it did not make.
/// </summary>
public sealed class RecreatedStoreTests : IAsyncLifetime
{
    private const int Contacts = 500;
    private SyncHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync(new SimulatorOptions { Contacts = Contacts });
        await _harness.WriteJobAsync(pageSize: 100, batchSize: 25);
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task A_job_run_against_a_new_store_writes_its_batches_again_and_reports_every_replay_the_destination_signals()
    {
        // Answers lost after the destination stored a batch: the handler re-sends it with its key and the destination replays it.
        _harness.Simulator.Options.ApiFaults = ["drop-after"];
        _harness.Simulator.Options.ApiFaultRate = 0.2;
        var first = await _harness.RunSyncAsync("--json");

        Assert.True(first.ExitCode == 0, first.ToString());
        var absorbed = _harness.Simulator.GetStats().DuplicateWritesAbsorbed;
        Assert.True(absorbed > 0, "the seeded faults dropped no answer after a batch was stored");
        var replayed = (long)first.Json["batches_replayed"]!;
        Assert.InRange(replayed, 1, absorbed); // a batch whose re-sent answer was dropped too is absorbed twice, and is one batch
        Assert.Equal(Contacts, _harness.Simulator.GetStats().ContactsStoredDistinct);

        // The store is lost. The grants went with it (their refresh tokens rotated inside it): consent again, run again.
        _harness.Simulator.Options.ApiFaultRate = 0;
        foreach (var file in Directory.GetFiles(_harness.Directory, "tokenkeeper.db*"))
        {
            File.Delete(file);
        }

        await _harness.BootstrapAsync(SyncHarness.SourceConnection, "contacts:read");
        await _harness.BootstrapAsync(SyncHarness.DestinationConnection, "contacts:write");
        var again = await _harness.RunSyncAsync("--json");

        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal("completed", (string?)again.Json["status"]);
        Assert.Equal(0, (long)again.Json["batches_replayed"]!);
        Assert.Equal(Contacts, (long)again.Json["records_written"]!);
        var stats = _harness.Simulator.GetStats();
        Assert.Equal(absorbed, stats.DuplicateWritesAbsorbed); // nothing of the second run was absorbed as a replay of the first
        Assert.Equal(2 * Contacts, stats.ContactsReceived); // every contact was written again
    }
}
