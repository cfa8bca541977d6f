using Tokenkeeper.Simulator;
using SyncHarness = Tokenkeeper.IntegrationTests.Sync.SyncHarness;

namespace Tokenkeeper.IntegrationTests.Cli;

/// <summary>
/// Ctrl+C or SIGTERM during a sync (issue 13, item 4), on the real <c>tokenkeeper</c> process with a destination that takes its
/// time: the first signal lets the batch being written finish and be checkpointed, then the process says where it stopped and the
/// exact command that resumes it, and exits 130 (143 for SIGTERM). A second signal stops without waiting for the batch: it is
/// abandoned and re-sent with the same Idempotency-Key when the job resumes, so nothing is lost or written twice.
/// </summary>
public sealed class StopSignalTests : IAsyncLifetime
{
    private const int Contacts = 1_000;
    private const int BatchSize = 50;
    private SyncHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync(new SimulatorOptions { Contacts = Contacts });
        await _harness.WriteJobAsync(pageSize: 500, batchSize: BatchSize);
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Theory]
    [InlineData("SIGINT", 130)]
    [InlineData("SIGTERM", 143)]
    public async Task The_first_signal_finishes_the_batch_in_flight_checkpoints_it_and_prints_the_resume_command(string signal, int exitCode)
    {
        SlowDestination("delay:600ms");
        using var process = _harness.Start("sync", "--config", _harness.JobPath);

        // Page 1 and batches 1 and 2 are done, and batch 3 has reached the destination, which holds it before storing it.
        await Waits.UntilAsync(() => _harness.Simulator.GetStats() is { BatchesStored: 2, ApiRequests: 4 } || process.HasExited, "batch 3 in flight");
        Send(process, signal);
        var stopped = await process.WaitAsync();

        Assert.True(stopped.ExitCode == exitCode, stopped.ToString());
        Assert.Contains("Stopping: finishing batch 3", stopped.Stderr, StringComparison.Ordinal);
        var checkpoint = (await _harness.ReadCheckpointAsync())!;
        Assert.Equal(3, (long)checkpoint["batch"]!);
        Assert.Equal(3, _harness.Simulator.GetStats().BatchesStored); // finished, stored and checkpointed: nothing left to re-send
        var last = stopped.Stderr.TrimEnd().Split('\n')[^1].TrimEnd('\r');
        Assert.Equal($"Stopped after batch 3 of generation 1 ({3 * BatchSize} records written and checkpointed). Resume with: tokenkeeper sync --config {_harness.JobPath}", last);

        _harness.Simulator.Options.ApiFaultRate = 0;
        var resumed = await _harness.RunSyncAsync("--json");

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal(3, (long)resumed.Json["resumed_from_batch"]!);
        Assert.Equal((long)Contacts, _harness.Simulator.GetStats().ContactsStoredDistinct);
        Assert.Equal((long)Contacts, _harness.Simulator.GetStats().ContactsReceived);
    }

    [Fact]
    public async Task A_second_Ctrl_C_abandons_the_batch_in_flight_and_the_resume_sends_it_again_with_the_same_key()
    {
        SlowDestination("delay:3s");
        using var process = _harness.Start("sync", "--config", _harness.JobPath);
        await Waits.UntilAsync(() => _harness.Simulator.GetStats().ApiRequests == 2 || process.HasExited, "batch 1 in flight");

        process.Interrupt();
        await Task.Delay(TimeSpan.FromMilliseconds(300)); // real time: the process is on the wall clock
        process.Interrupt();
        var stopped = await process.WaitAsync();

        Assert.True(stopped.ExitCode == 130, stopped.ToString());
        Assert.Contains("Stopping: finishing batch 1", stopped.Stderr, StringComparison.Ordinal);
        Assert.Contains("stopping now", stopped.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, (long)(await _harness.ReadCheckpointAsync())!["batch"]!); // batch 1 was not waited for: nothing checkpointed
        Assert.EndsWith($"Stopped before the first batch of generation 1 was written. Resume with: tokenkeeper sync --config {_harness.JobPath}", stopped.Stderr.TrimEnd(), StringComparison.Ordinal);

        _harness.Simulator.Options.ApiFaultRate = 0;
        var resumed = await _harness.RunSyncAsync("--json");

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal((long)Contacts, _harness.Simulator.GetStats().ContactsStoredDistinct);
        Assert.Equal((long)Contacts, _harness.Simulator.GetStats().ContactsReceived); // the abandoned batch, if the destination stored it, was absorbed by its key
    }

    /// <summary>Every API request (page reads and batch writes) is held for the given time before the simulator processes it.</summary>
    private void SlowDestination(string delay)
    {
        _harness.Simulator.Options.ApiFaults = [delay];
        _harness.Simulator.Options.ApiFaultRate = 1;
    }

    private static void Send(Sync.CliProcess process, string signal)
    {
        if (signal == "SIGTERM")
        {
            process.Terminate();
        }
        else
        {
            process.Interrupt();
        }
    }
}
