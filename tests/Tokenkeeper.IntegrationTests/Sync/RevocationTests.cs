using Tokenkeeper.Simulator;

namespace Tokenkeeper.IntegrationTests.Sync;

/// <summary>A grant revoked mid-sync stops the job with exit 3 naming the connection, keeps the checkpoint, and a rerun with a
/// new refresh token for that connection resumes where it stopped.</summary>
public sealed class RevocationTests
{
    private const int Contacts = 20_000;

    [Fact]
    public async Task Sync_WhenTheSourceGrantIsRevokedMidSync_ExitsThree_NamesTheConnection_KeepsTheCheckpoint_AndResumesAfterReBootstrap()
    {
        await using var harness = await SyncHarness.StartAsync(new SimulatorOptions { Contacts = Contacts, Rotation = RotationMode.ReuseDetection });
        await harness.WriteJobAsync(pageSize: 100, batchSize: 50);

        using (var process = harness.Start("sync", "--config", harness.JobPath, "--json"))
        {
            await Waits.UntilAsync(() => harness.Simulator.GetStats().BatchesStored >= 20 || process.HasExited, "20 batches stored");
            harness.Simulator.RevokeGrant(harness.Grants[SyncHarness.SourceConnection]);
            var stopped = await process.WaitAsync();

            Assert.True(stopped.ExitCode == 3, stopped.ToString());
            Assert.Equal("reconnect_required", (string?)stopped.Json["status"]);
            Assert.Equal(1, (long)stopped.Json["failures_surfaced"]!);
            Assert.Contains("Connection 'legacy-crm' needs re-authorisation (revoked)", stopped.Stderr, StringComparison.Ordinal);
            Assert.Contains(SyncHarness.VariableOf(SyncHarness.SourceConnection), stopped.Stderr, StringComparison.Ordinal);

            var checkpoint = await harness.ReadCheckpointAsync();
            Assert.NotNull(checkpoint);
            var batch = (long)checkpoint["batch"]!;
            Assert.True(batch >= 20, $"checkpoint at batch {batch}");
            Assert.Equal((long)stopped.Json["batches"]!, batch);
            Assert.Equal(batch * 50, (long)checkpoint["records_written"]!);
            Assert.Equal(1, (int)checkpoint["generation"]!);
            Assert.False((bool)checkpoint["completed"]!);
        }

        var checkpointed = (long)(await harness.ReadCheckpointAsync())!["batch"]!;
        await harness.BootstrapAsync(SyncHarness.SourceConnection, "contacts:read");
        var rerun = await harness.RunSyncAsync("--json");

        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.Contains("Connection 'legacy-crm' re-authorised", rerun.Stderr, StringComparison.Ordinal);
        Assert.Equal("completed", (string?)rerun.Json["status"]);
        Assert.Equal(checkpointed, (long)rerun.Json["resumed_from_batch"]!);
        var stats = harness.Simulator.GetStats();
        Assert.Equal(Contacts, (long)rerun.Json["records_written"]!);
        Assert.Equal(Contacts, stats.ContactsStoredDistinct);
        Assert.Equal(Contacts, stats.ContactsReceived);
    }
}
