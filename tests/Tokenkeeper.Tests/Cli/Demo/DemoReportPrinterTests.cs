using Spectre.Console;
using Tokenkeeper.Cli;
using Tokenkeeper.Cli.Demo;
using Tokenkeeper.Cli.Jobs;
using Tokenkeeper.Cli.Reports;
using Tokenkeeper.Simulator;
using Tokenkeeper.Sync;

namespace Tokenkeeper.Tests.Cli.Demo;

/// <summary>The demo's report says the faults were all absorbed only when they were.</summary>
public sealed class DemoReportPrinterTests
{
    private const int Contacts = 5_000;

    [Theory]
    [InlineData(true, 0, 40, "Faults injected, all absorbed")]
    [InlineData(false, 1, 40, "Faults injected: 1 failure surfaced")]
    [InlineData(true, 0, 0, "No faults injected")]
    public void TheFaultsTable_IsTitledWithWhatHappened(bool completed, long failuresSurfaced, long faults, string title)
    {
        var report = Print(completed, faults, exactlyOnce: completed);

        Assert.Contains(title, report, StringComparison.Ordinal);
        Assert.Equal(title == "Faults injected, all absorbed", report.Contains("all absorbed", StringComparison.Ordinal));
        Assert.Matches($@"failures surfaced\s*│\s*│\s*{failuresSurfaced}\s*│", report);
    }

    [Fact]
    public void ACompletedRun_ThatDidNotDeliverEveryContactExactlyOnce_DoesNotClaimTheFaultsWereAbsorbed()
    {
        var report = Print(completed: true, faults: 40, exactlyOnce: false);

        Assert.Contains("Faults injected: not all absorbed", report, StringComparison.Ordinal);
        Assert.DoesNotContain("Faults injected, all absorbed", report, StringComparison.Ordinal);
        Assert.Contains("Not every contact arrived exactly once", report, StringComparison.Ordinal);
    }

    private static string Print(bool completed, long faults, bool exactlyOnce)
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 100;
        console.Profile.Capabilities.Unicode = true;
        var written = completed ? Contacts : 2_500;
        var result = new SyncResult
        {
            JobId = CliConstants.DemoJobId,
            Status = completed ? SyncStatus.Completed : SyncStatus.Failed,
            Progress = new SyncProgress(CliConstants.DemoJobId, 1, written, written, written / CliConstants.DemoBatchSize, 0, 0, 0, Contacts),
            Elapsed = TimeSpan.FromSeconds(3),
            Failure = completed ? null : new SyncFailure(SyncFailureKind.Unavailable, "POST batch 6: HTTP 503 (gave up after 5 attempts)"),
        };
        var report = new SyncReport
        {
            Job = CliConstants.DemoJobId,
            Status = SyncReport.StatusName(result.Status),
            RecordsRead = written,
            RecordsWritten = written,
            Batches = result.Progress.Batches,
            Retries = faults,
            FailuresSurfaced = completed ? 0 : 1,
        };
        var stats = new SimulatorStats
        {
            TokensIssued = new Dictionary<string, long> { ["refresh_token"] = 3 },
            FaultsInjected = new Dictionary<string, long> { ["503"] = faults / 2, ["429"] = faults / 2 },
            ApiFaultsInjected = new Dictionary<string, long> { ["503"] = faults / 2 },
            ContactsReceived = exactlyOnce ? written : written + 100,
            ContactsStoredDistinct = written,
        };

        DemoReportPrinter.Print(console, new DemoSettings { Contacts = Contacts }, new SyncRunOutcome(result, report, completed ? 0 : 4), stats, exactlyOnce);
        return output.ToString();
    }
}
