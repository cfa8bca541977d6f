namespace Tokenkeeper.IntegrationTests.Reliability;

/// <summary>
/// Issue 10, situation 2: another process holds the store's write lock while a refresh has just rotated the refresh token.
/// Within the store's retry window the run simply waits and finishes; past it, the run stops with exit 4 and its report, the
/// rotated tokens are kept beside the store, and the next run stores them before it refreshes anything.
/// </summary>
public sealed class BusyStoreTests
{
    [Fact]
    public async Task AStoreWriteLockedFor20Seconds_WhileARotatedAnswerWaitsToBeStored_TheRunWaitsAndCompletes()
    {
        await using var h = await ReliabilityHarness.StartAsync(o => ReliabilityHarness.RefreshesMidRun(o, pages: 8));
        var job = h.WriteJob("job", j => j["job"]!["destination"]!["batchSize"] = 10);
        using var process = h.Start(job);
        await h.UntilARefreshMidRunIsHeldAsync(process);

        await using (await h.LockStoreAsync())
        {
            await Task.Delay(TimeSpan.FromSeconds(20)); // real time: the lock another process would hold
        }

        await process.WaitForExitAsync(TimeSpan.FromMinutes(2));

        Assert.True(process.ExitCode == 0, process.Output);
        Assert.Equal("completed", (string?)ReliabilityHarness.ReportOf(process)?["status"]);
        h.AssertNoSpentTokenPresented("a 20 s lock");
        await h.AssertNothingLeftBehindAsync("a 20 s lock");
        h.AssertEveryRecordDeliveredOnce(jobs: 1);
        Assert.Null(await h.KeptAsync());
    }

    [Fact]
    public async Task AStoreLockedLongerThanItsRetryWindow_StopsTheRunWithExit4AndItsReport_AndTheNextRunStoresTheKeptTokensFirst()
    {
        await using var h = await ReliabilityHarness.StartAsync(o => ReliabilityHarness.RefreshesMidRun(o, pages: 8));
        var job = h.WriteJob("job", j =>
        {
            j["storeRetryWindow"] = "3s";
            j["job"]!["destination"]!["batchSize"] = 10;
        });
        using var process = h.Start(job);
        await h.UntilARefreshMidRunIsHeldAsync(process);

        await using (await h.LockStoreAsync())
        {
            await process.WaitForExitAsync(TimeSpan.FromMinutes(1)); // the lock outlasts the run: the store is down at exit
        }

        Assert.True(process.ExitCode == 4, process.Output);
        var report = ReliabilityHarness.ReportOf(process);
        Assert.Equal("failed", (string?)report?["status"]);
        Assert.Contains("the token store stayed unavailable", process.Output, StringComparison.Ordinal);
        var kept = await h.KeptAsync();
        Assert.NotNull(kept); // the rotated refresh token outlived the process, beside the store
        var (stuck, _) = await h.ConnectionAsync();
        Assert.Equal(kept.SpentGeneration, stuck.RefreshTokenGeneration);
        var (showExit, shown) = await Support.CliProcess.RunAsync(["connections", "show", ReliabilityHarness.Connection, "--store", h.StorePath, "--json"], new Dictionary<string, string> { ["TOKENKEEPER_KEY_FILE"] = h.KeyFile });
        Assert.True(showExit == 0, shown);
        var keptShown = System.Text.Json.Nodes.JsonNode.Parse(shown)!["kept"]; // an operator sees the kept refresh token (fingerprint only)
        Assert.Equal(kept.Tokens.RefreshToken!.Value.Fingerprint, (string?)keptShown?["refresh_token"]);
        Assert.DoesNotContain(kept.Tokens.RefreshToken!.Value.Value, shown, StringComparison.Ordinal);

        var (rerun, output, _) = await h.RunAsync(job);

        Assert.True(rerun == 0, output);
        Assert.Contains("taking over tokens", output, StringComparison.Ordinal);
        h.AssertNoSpentTokenPresented("a store down at exit");
        await h.AssertNothingLeftBehindAsync("the rerun");
        Assert.Null(await h.KeptAsync());
        h.AssertEveryRecordDeliveredOnce(jobs: 1);
    }

    [Fact]
    public async Task AStoreLockedBeforeTheRunBegins_AndPastItsWindow_IsExit4WithAReport_AndNothingIsSent()
    {
        await using var h = await ReliabilityHarness.StartAsync();
        var (first, firstOutput, _) = await h.RunAsync(h.WriteJob("job-0"));
        Assert.True(first == 0, firstOutput);
        var job = h.WriteJob("job-1", j => j["storeRetryWindow"] = "2s");
        var requests = h.Stats.TokenRequests;

        int exit;
        string output;
        System.Text.Json.Nodes.JsonNode? report;
        await using (await h.LockStoreAsync())
        {
            (exit, output, report) = await h.RunAsync(job);
        }

        Assert.True(exit == 4, output);
        Assert.Equal("failed", (string?)report?["status"]);
        Assert.Contains("the token store stayed unavailable", output, StringComparison.Ordinal);
        Assert.DoesNotContain("unexpected error", output, StringComparison.Ordinal);
        Assert.Equal(requests, h.Stats.TokenRequests);
        var (rerun, rerunOutput, _) = await h.RunAsync(job);
        Assert.True(rerun == 0, rerunOutput);
        h.AssertNoSpentTokenPresented("a store locked at start");
    }
}
