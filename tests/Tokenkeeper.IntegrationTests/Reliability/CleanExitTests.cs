using System.Text.Json.Nodes;
using Tokenkeeper.IntegrationTests.Sync;

namespace Tokenkeeper.IntegrationTests.Reliability;

/// <summary>
/// Issue 10, situation 1: a job that finishes normally while a background refresh (refresh-ahead) is at a slow token endpoint.
/// The run ends on purpose inside the token's refresh-ahead window: its first page is held until the token is there, so its next
/// request starts the background refresh; its second (last) page is held until the provider holds that refresh's answer, so the
/// job completes before the provider answers. Exiting must wait for that answer and commit it; the next run (and a crowd of
/// concurrent ones) must find the live refresh token, no lease, no intent.
/// </summary>
[Collection(Support.TimingSensitive.Name)]
public sealed class CleanExitTests
{
    /// <summary>The provider holds every token answer this long after rotating: far longer than the rest of a run.</summary>
    private static readonly TimeSpan TokenDelay = TimeSpan.FromSeconds(5);

    /// <summary>Access tokens live 20 s: refresh-ahead starts 5-6 s before expiry (25% plus up to 20% jitter), and callers are
    /// served until 1 s before it. A run released 15 s after the token was issued is inside that window whatever the jitter.</summary>
    private static readonly TimeSpan AccessTtl = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan IntoRefreshAhead = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task SequentialRuns_EachEndingWhileARefreshIsAtTheProvider_KeepTheRotatedToken_AndLeaveNothingBehind()
    {
        await using var h = await ReliabilityHarness.StartAsync(o => (o.AccessTtl, o.TokenResponseDelay, o.Contacts) = (AccessTtl, TokenDelay, 2 * ReliabilityHarness.PageSize));
        await using var front = await FrontApi.StartAsync(h.Simulator, PagingStyle.NumericCursor);
        var (first, firstOutput, _) = await h.RunAsync(h.WriteJob("job-0"));
        Assert.True(first == 0, firstOutput);

        for (var run = 1; run <= 2; run++)
        {
            var (before, _) = await h.ConnectionAsync();
            var job = h.WriteJob($"job-{run}", front.ConfigureSource);
            front.Hold(0);
            using var process = h.Start(job);
            await front.PageHeld.WaitAsync(TimeSpan.FromMinutes(1));
            await UntilAsync(before.Tokens!.IssuedAt + IntoRefreshAhead);
            await ReleaseOnceTheRefreshIsAtTheProviderAsync(h, front, runs: 1);
            await process.WaitForExitAsync(TimeSpan.FromMinutes(1));

            var context = $"run {run}";
            Assert.True(process.ExitCode == 0, $"{context}: {process.Output}");
            Assert.Contains("waiting for 1 token request(s) in flight", process.Output, StringComparison.Ordinal); // it did end mid-refresh
            var (after, lease) = await h.ConnectionAsync();
            Assert.Equal(before.RefreshTokenGeneration + 1, after.RefreshTokenGeneration); // the background refresh was committed
            Assert.Null(lease);
            Assert.Null(after.PendingRefresh);
            h.AssertNoSpentTokenPresented(context);
        }

        var (last, lastOutput, report) = await h.RunAsync(h.WriteJob("job-3"));
        Assert.True(last == 0, lastOutput);
        Assert.Equal("completed", (string?)report!["status"]);
        h.AssertNoSpentTokenPresented("after every run");
        await h.AssertNothingLeftBehindAsync("after every run");
        h.AssertEveryRecordDeliveredOnce(jobs: 4);
    }

    [Fact]
    public async Task FourConcurrentRuns_AllInsideTheRefreshAheadWindow_OneRefreshes_AllExitZero_NoSpentTokenIsPresented()
    {
        const int Runs = 4;
        await using var h = await ReliabilityHarness.StartAsync(o => (o.AccessTtl, o.TokenResponseDelay, o.Contacts) = (AccessTtl, TokenDelay, 2 * ReliabilityHarness.PageSize));
        await using var front = await FrontApi.StartAsync(h.Simulator, PagingStyle.NumericCursor);
        var (first, firstOutput, _) = await h.RunAsync(h.WriteJob("job-0"));
        Assert.True(first == 0, firstOutput);
        var (before, _) = await h.ConnectionAsync();
        var refreshesBefore = h.Stats.RefreshesServed;

        front.Hold(0);
        var processes = Enumerable.Range(1, Runs).Select(run => h.Start(h.WriteJob($"job-{run}", front.ConfigureSource))).ToList();
        await ReliabilityHarness.UntilAsync(() => front.Waiting == Runs, "every run to ask for its first page");
        await UntilAsync(before.Tokens!.IssuedAt + IntoRefreshAhead);
        await ReleaseOnceTheRefreshIsAtTheProviderAsync(h, front, Runs);
        foreach (var process in processes)
        {
            await process.WaitForExitAsync(TimeSpan.FromMinutes(1));
        }

        Assert.All(processes, p => Assert.True(p.ExitCode == 0, p.Output));
        Assert.Contains(processes, p => p.Output.Contains("waiting for 1 token request(s) in flight", StringComparison.Ordinal));
        Assert.Equal(refreshesBefore + 1, h.Stats.RefreshesServed); // one refresh for the whole crowd
        var (after, _) = await h.ConnectionAsync();
        Assert.Equal(before.RefreshTokenGeneration + 1, after.RefreshTokenGeneration);
        h.AssertNoSpentTokenPresented("concurrent runs");
        await h.AssertNothingLeftBehindAsync("concurrent runs");

        var (last, lastOutput, _) = await h.RunAsync(h.WriteJob("job-last"));
        Assert.True(last == 0, lastOutput);
        h.AssertNoSpentTokenPresented("the run after");
        h.AssertEveryRecordDeliveredOnce(jobs: Runs + 2);
    }

    /// <summary>Lets the held first page through and holds the second: the requests in between start the background refresh. Once
    /// every run waits for its second page and the provider holds the refresh's answer, lets the runs finish: they end while it is
    /// still at the provider.</summary>
    private static async Task ReleaseOnceTheRefreshIsAtTheProviderAsync(ReliabilityHarness h, FrontApi front, int runs)
    {
        front.Release();
        front.Hold(ReliabilityHarness.PageSize);
        await ReliabilityHarness.UntilAsync(() => front.Waiting == runs && h.Stats.TokenResponsesHeld == 1, "every run at its last page while the refresh is at the provider");
        front.Release();
    }

    private static async Task UntilAsync(DateTimeOffset moment)
    {
        var wait = moment - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait); // real time: the provider and the processes run on the wall clock
        }
    }
}
