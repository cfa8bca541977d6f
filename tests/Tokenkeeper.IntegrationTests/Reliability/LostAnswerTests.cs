using Tokenkeeper.Simulator;

namespace Tokenkeeper.IntegrationTests.Reliability;

/// <summary>
/// Issue 10, situation 3: the answer to a refresh is lost (the connection drops once the request is sent). The refresh token is
/// sent again only where that cannot be its second use at a provider that punishes one: a provider known not to rotate, inside a
/// grace window, or once introspection says the token is still active (asked only after the first request can no longer be in
/// progress). Otherwise the run stops with <c>rotation_lost_in_flight</c> and nothing is sent.
/// </summary>
public sealed class LostAnswerTests
{
    [Theory]
    [InlineData("strict", "drop-after", 3, 0)]
    [InlineData("no-rotation", "drop-after", 0, 1)]
    [InlineData("grace", "drop-after", 0, 1)]
    [InlineData("introspection", "drop-after", 3, 0)]
    [InlineData("introspection", "drop-before", 0, 1)]
    public async Task ALostAnswer_IsSentAgainOnlyWhereThatCannotBeASecondUse(string provider, string fault, int exitCode, int tokenRetries)
    {
        await using var h = await ReliabilityHarness.StartAsync(o =>
        {
            o.Faults = [fault];
            o.FaultRate = 1;
            o.Rotation = provider switch
            {
                "grace" => RotationMode.Grace,
                "no-rotation" => RotationMode.None,
                _ => RotationMode.ReuseDetection,
            };
            o.RotationGrace = TimeSpan.FromMinutes(1);
        });
        var job = h.WriteJob("job", j =>
        {
            var connection = ReliabilityHarness.ConnectionOf(j);
            switch (provider)
            {
                case "grace":
                    (connection["rotation"], connection["rotationGrace"]) = ("rotating_with_grace", "1m");
                    break;
                case "no-rotation":
                    connection["rotation"] = "none";
                    break;
                case "introspection":
                    connection["introspectionEndpoint"] = new Uri(h.Simulator.BaseAddress, "oauth/introspect").ToString();
                    break;
            }
        });
        using var process = h.Start(job);
        await ReliabilityHarness.UntilAsync(() => h.TokenFaults(fault) >= 1 || process.HasExited, "one lost answer");
        h.Simulator.Options.FaultRate = 0;
        await process.WaitForExitAsync(TimeSpan.FromMinutes(2));

        var stats = h.Stats;
        Assert.True(process.ExitCode == exitCode, process.Output);
        Assert.Equal(1, h.TokenFaults(fault));
        Assert.Equal(0, stats.GrantsRevoked);
        Assert.Equal(0, stats.RefreshTokenReuseAttempts);
        Assert.Equal(provider == "grace" ? 1 : 0, stats.SpentRefreshTokensPresented);
        Assert.Equal(stats.SpentRefreshTokensPresented, stats.ReuseWithinGrace);
        Assert.Equal(tokenRetries, (int?)ReliabilityHarness.ReportOf(process)?["token_retries"]); // the refresh token sent again, counted apart
        if (exitCode == 0)
        {
            h.AssertEveryRecordDeliveredOnce(jobs: 1);
            await h.AssertNothingLeftBehindAsync(provider);
        }
        else
        {
            Assert.Contains("rotation_lost_in_flight", process.Output, StringComparison.Ordinal);
            Assert.Equal("reconnect_required", (string?)ReliabilityHarness.ReportOf(process)?["status"]);
        }
    }
}
