using Tokenkeeper.Simulator;

namespace Tokenkeeper.IntegrationTests.Sync;

/// <summary>
/// Every pagination style the job file offers, through the whole engine against a real server: a next URL in the body, an
/// RFC 8288 <c>Link</c> header, a numeric cursor. The source is <see cref="FrontApi"/> in front of the simulator (which checks
/// every bearer token); the destination is the simulator's batch endpoint. A sync stopped while a page is being read resumes
/// from the position its checkpoint stored — reading none of the earlier pages again — and stores nothing twice.
/// </summary>
public sealed class PaginationTests : IAsyncLifetime
{
    private const int Contacts = 1_000;
    private const int PageSize = 100;

    // Batches of 70 cut across pages, so a checkpoint usually points inside a page, after records already written.
    private const int BatchSize = 70;

    // Stopped while page 6 (offset 500) is being read: batch 7 (records 421-490) is checkpointed, pointing 90 records into the
    // page at offset 400; the 10 records read after it were not written yet.
    private const int HeldPage = 500;
    private const int CheckpointPage = 400;
    private const int CheckpointOffset = 90;
    private const int CheckpointBatch = 7;

    private SyncHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await SyncHarness.StartAsync(new SimulatorOptions { Contacts = Contacts });

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Theory]
    [InlineData(PagingStyle.NextUrl)]
    [InlineData(PagingStyle.LinkHeader)]
    [InlineData(PagingStyle.NumericCursor)]
    public async Task Sync_FollowsThePagination_ReadingEachPageOnce_AndStoresEveryContactOnce(PagingStyle style)
    {
        await using var source = await FrontApi.StartAsync(_harness.Simulator, style);
        await _harness.WriteJobAsync(PageSize, BatchSize, source.ConfigureSource);

        var result = await _harness.RunSyncInProcessAsync(_harness.JobPath);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(Enumerable.Range(0, Contacts / PageSize).Select(p => p * PageSize), source.PagesServed);
        Assert.Equal(Contacts, (long)result.Json["records_read"]!);
        Assert.Equal(Contacts, (long)result.Json["records_written"]!);
        Assert.Equal((Contacts + BatchSize - 1) / BatchSize, (long)result.Json["batches"]!);
        AssertEveryContactStoredOnce();
    }

    [Theory]
    [InlineData(PagingStyle.NextUrl)]
    [InlineData(PagingStyle.NumericCursor)]
    public async Task Sync_KilledWhileReadingAPage_RerunResumesFromTheStoredPosition_WithoutRereadingEarlierPages(PagingStyle style)
    {
        await using var source = await FrontApi.StartAsync(_harness.Simulator, style);
        await _harness.WriteJobAsync(PageSize, BatchSize, source.ConfigureSource);
        source.Hold(HeldPage);
        using (var process = _harness.Start("sync", "--config", _harness.JobPath, "--json"))
        {
            var exited = process.WaitAsync();
            await StoppedAtHeldPageAsync(source, exited);
            process.KillHard();
            Assert.NotEqual(0, (await exited).ExitCode);
        }

        await HeldPageAbandonedAsync(source);
        await AssertCheckpointAtHeldPageAsync(source);
        var before = source.PagesServed.ToArray();
        source.Release();

        var rerun = await _harness.RunSyncAsync("--json");

        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.Equal(CheckpointBatch, (long)rerun.Json["resumed_from_batch"]!);
        AssertResumedFromTheCheckpointPage(source, before);
        AssertEveryContactStoredOnce();
    }

    [Fact]
    public async Task Sync_ByLinkHeader_CancelledWhileReadingAPage_RerunResumesFromTheStoredNextUrl_WithoutRereadingEarlierPages()
    {
        await using var source = await FrontApi.StartAsync(_harness.Simulator, PagingStyle.LinkHeader);
        await _harness.WriteJobAsync(PageSize, BatchSize, source.ConfigureSource);
        source.Hold(HeldPage);
        using var cancel = new CancellationTokenSource();
        var run = _harness.RunSyncInProcessAsync(_harness.JobPath, cancellationToken: cancel.Token);
        await StoppedAtHeldPageAsync(source, run);
        await cancel.CancelAsync();
        var cancelled = await run;
        Assert.True(cancelled.ExitCode == 4, cancelled.ToString());
        Assert.Equal("failed", (string?)cancelled.Json["status"]);
        Assert.Contains($"Stopped after batch 7 of generation 1 ({7 * BatchSize} records written and checkpointed). Resume with: tokenkeeper sync --config {_harness.JobPath}", cancelled.Stderr, StringComparison.Ordinal);

        await HeldPageAbandonedAsync(source);
        await AssertCheckpointAtHeldPageAsync(source);
        var before = source.PagesServed.ToArray();
        source.Release();

        var rerun = await _harness.RunSyncInProcessAsync(_harness.JobPath);

        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.Equal(CheckpointBatch, (long)rerun.Json["resumed_from_batch"]!);
        AssertResumedFromTheCheckpointPage(source, before);
        AssertEveryContactStoredOnce();
    }

    /// <summary>Returns once the sync asks for the held page; fails at once, with its output, if the sync ended first.</summary>
    private static async Task StoppedAtHeldPageAsync(FrontApi source, Task<CliResult> run)
    {
        var first = await Task.WhenAny(source.PageHeld, run).WaitAsync(TimeSpan.FromMinutes(1));
        Assert.True(first == source.PageHeld, $"the sync ended before it asked for page {HeldPage}: {(run.IsCompleted ? await run : null)}");
    }

    /// <summary>
    /// Returns once the source has seen the stopped sync's request for the held page go away unanswered. The source learns
    /// of a closed connection asynchronously: releasing before that could still serve the dead run's request, an extra
    /// page the rerun never asked for.
    /// </summary>
    private static async Task HeldPageAbandonedAsync(FrontApi source)
    {
        var first = await Task.WhenAny(source.HeldPageAbandoned, Task.Delay(TimeSpan.FromMinutes(1)));
        Assert.True(first == source.HeldPageAbandoned, $"the request for page {HeldPage} was still open a minute after the sync was stopped");
    }

    /// <summary>The stored checkpoint points 90 records into the page at offset 400: by its next URL, or its numeric cursor.</summary>
    private async Task AssertCheckpointAtHeldPageAsync(FrontApi source)
    {
        var checkpoint = await _harness.ReadCheckpointAsync();
        Assert.NotNull(checkpoint);
        Assert.Equal(CheckpointBatch, (long)checkpoint["batch"]!);
        Assert.Equal(CheckpointOffset, (int)checkpoint["offset"]!);
        Assert.Equal(CheckpointBatch * BatchSize, (long)checkpoint["records_written"]!);
        Assert.False((bool)checkpoint["completed"]!);
        if (source.Style == PagingStyle.NumericCursor)
        {
            Assert.Equal("400", (string?)checkpoint["cursor"]);
            Assert.Null(checkpoint["next_url"]);
        }
        else
        {
            Assert.Equal(source.PageUrl(CheckpointPage, PageSize).ToString(), (string?)checkpoint["next_url"]);
            Assert.Null(checkpoint["cursor"]);
        }

        // Before the stop the source served pages 0-400 once each; the held page never went out.
        Assert.Equal(Enumerable.Range(0, (CheckpointPage / PageSize) + 1).Select(p => p * PageSize), source.PagesServed);
    }

    /// <summary>The rerun read the checkpoint's page first, then each later page once; nothing before it.</summary>
    private static void AssertResumedFromTheCheckpointPage(FrontApi source, int[] before)
    {
        var rerun = source.PagesServed.Skip(before.Length);
        Assert.Equal(Enumerable.Range(CheckpointPage / PageSize, (Contacts - CheckpointPage) / PageSize).Select(p => p * PageSize), rerun);
    }

    private void AssertEveryContactStoredOnce()
    {
        var stats = _harness.Simulator.GetStats();
        Assert.Equal(Contacts, stats.ContactsStoredDistinct);
        Assert.Equal(Contacts, stats.ContactsReceived);
        Assert.Equal(0, stats.DuplicateWritesAbsorbed);
        Assert.Equal(0, stats.IdempotencyConflicts);
    }
}
