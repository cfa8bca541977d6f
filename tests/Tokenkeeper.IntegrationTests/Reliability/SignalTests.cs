namespace Tokenkeeper.IntegrationTests.Reliability;

/// <summary>
/// SIGTERM (a service manager, a deploy) and Ctrl+C arriving while a refresh is at the provider: the provider has already
/// rotated the refresh token and holds its answer. The process must wait for that answer, store it, release its lease, and only
/// then exit (143, 130), even when a second signal says "stop now"; the next run continues with the live refresh token.
/// </summary>
public sealed class SignalTests
{
    [Theory]
    [InlineData("SIGTERM", 143)]
    [InlineData("SIGINT", 130)]
    public async Task ASignalWhileTheProviderHoldsARotatedAnswer_IsObeyedOnlyAfterTheAnswerIsStored(string signal, int exitCode)
    {
        // Answers take 2 s: the signal surely lands while one is held.
        await using var h = await ReliabilityHarness.StartAsync(o =>
        {
            ReliabilityHarness.RefreshesMidRun(o, pages: 20);
            o.TokenResponseDelay = TimeSpan.FromSeconds(2);
        });
        var job = h.WriteJob("job");
        using var process = h.Start(job);
        await h.UntilARefreshMidRunIsHeldAsync(process);
        var rotations = h.Stats.RefreshesServed;

        // The first signal would let a batch waiting for this token finish; the second stops without waiting for the batch, but
        // never for the token request already at the provider.
        for (var i = 0; i < 2; i++)
        {
            if (signal == "SIGTERM")
            {
                process.Terminate();
            }
            else
            {
                process.Interrupt();
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100)); // real time: the process is on the wall clock
        }

        await process.WaitForExitAsync(TimeSpan.FromMinutes(1));

        Assert.True(process.ExitCode == exitCode, process.Output);
        Assert.Equal(rotations, h.Stats.RefreshesServed); // nothing was sent after the signal
        Assert.Contains("waiting for 1 token request(s) in flight", process.Output, StringComparison.Ordinal);
        await h.AssertNothingLeftBehindAsync(signal);
        var report = ReliabilityHarness.ReportOf(process);
        Assert.Equal("failed", (string?)report?["status"]);

        await h.AssertRerunCompletesAsync(job, signal);
    }
}
