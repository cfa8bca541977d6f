using System.Text.RegularExpressions;
using Tokenkeeper.Simulator;

namespace Tokenkeeper.IntegrationTests.Sync;

/// <summary>What a person sees from <c>tokenkeeper sync</c>, run as a real process with stdout redirected: the notice that the
/// job file's refresh token is ignored once the store knows the connection, <c>--restart</c>, and the plain progress lines.</summary>
public sealed class SyncCommandTests : IAsyncLifetime
{
    private const int Contacts = 1_000;
    private const int PageSize = 100;
    private const int BatchSize = 100;

    private SyncHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await SyncHarness.StartAsync(new SimulatorOptions { Contacts = Contacts });

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task Rerun_SaysOncePerConnectionThatTheJobFilesRefreshTokenIsIgnored_AndTheFirstRunDoesNot()
    {
        await _harness.WriteJobAsync(PageSize, BatchSize);
        string[] connections = [SyncHarness.SourceConnection, SyncHarness.DestinationConnection];

        var first = await _harness.RunSyncAsync();
        var rerun = await _harness.RunSyncAsync();
        var third = await _harness.RunSyncAsync("--restart");

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.True(third.ExitCode == 0, third.ToString());
        Assert.DoesNotContain("is ignored", third.Stdout + third.Stderr, StringComparison.Ordinal); // said once per store, not every run
        Assert.DoesNotContain("is ignored", first.Stdout + first.Stderr, StringComparison.Ordinal);
        foreach (var connection in connections)
        {
            var variable = SyncHarness.VariableOf(connection);
            Assert.Single(Regex.Matches(first.Stdout, $@"^Connection '{connection}' registered with the refresh token from the environment variable {variable} \([0-9a-f]{{8}}\); from now on the store keeps the live, rotated one\.\r?$", RegexOptions.Multiline));
            Assert.Equal(1, Occurrences(rerun.Stdout + rerun.Stderr, $"Connection '{connection}': the store already holds a live refresh token, so the one from the environment variable {variable} is ignored"));
            Assert.Contains($"Connection '{connection}': the store already holds", rerun.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain(_harness.Environment[variable], first.Stdout + first.Stderr + rerun.Stdout + rerun.Stderr, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("registered with", rerun.Stdout + rerun.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restart_StartsANewGenerationFromTheFirstRecord_RewritingEachRecordOnceUnderTheNewGenerationsKeys()
    {
        await using var destination = await FrontApi.StartAsync(_harness.Simulator);
        await _harness.WriteJobAsync(PageSize, BatchSize, destination.ConfigureDestination);
        var first = await _harness.RunSyncAsync("--json");
        Assert.True(first.ExitCode == 0, first.ToString());
        var again = await _harness.RunSyncAsync("--json");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("Generation 1 of job 'contacts-nightly' had already completed: nothing to do.", again.Stderr, StringComparison.Ordinal);
        var firstGeneration = destination.Batches.Count;

        var restarted = await _harness.RunSyncAsync("--restart", "--json");

        Assert.True(restarted.ExitCode == 0, restarted.ToString());
        var report = restarted.Json;
        Assert.Equal("completed", (string?)report["status"]);
        Assert.Equal(0, (long)report["resumed_from_batch"]!);
        Assert.Equal(Contacts, (long)report["records_written"]!);
        Assert.Equal(Contacts / BatchSize, (long)report["batches"]!);
        var batches = Contacts / BatchSize;
        Assert.Equal(batches, firstGeneration);
        var lineage = (string)(await _harness.ReadCheckpointAsync())!["lineage"]!; // the same across generations in one store
        Assert.Equal(Enumerable.Range(1, batches).Select(b => $"contacts-nightly:{lineage}:1:{b}"), destination.Batches.Take(batches).Select(b => b.Key));
        Assert.Equal(Enumerable.Range(1, batches).Select(b => $"contacts-nightly:{lineage}:2:{b}"), destination.Batches.Skip(batches).Select(b => b.Key));

        // New keys, so the destination stored every record again, once: nothing absorbed as a duplicate, nothing refused.
        var stats = _harness.Simulator.GetStats();
        Assert.Equal(2 * Contacts, stats.ContactsReceived);
        Assert.Equal(Contacts, stats.ContactsStoredDistinct);
        Assert.Equal(0, stats.DuplicateWritesAbsorbed);
        Assert.Equal(0, stats.IdempotencyConflicts);
        var checkpoint = await _harness.ReadCheckpointAsync();
        Assert.Equal(2, (int)checkpoint!["generation"]!);
        Assert.True((bool)checkpoint["completed"]!);
    }

    [Fact]
    public async Task WithoutATerminal_ProgressIsPlainLines_PeriodicallyWhileRunning_AndOnceAtTheEnd()
    {
        // The source holds page 6 until the periodic line has reported the first five pages.
        await using var source = await FrontApi.StartAsync(_harness.Simulator, PagingStyle.NextUrl);
        await _harness.WriteJobAsync(PageSize, BatchSize, source.ConfigureSource);
        source.Hold(500);
        var periodic = Line(@"500/1,000 records \(50%\)", batches: "5");
        using var process = _harness.Start("sync", "--config", _harness.JobPath);
        await Waits.UntilAsync(() => periodic.IsMatch(process.StdoutSoFar) || process.HasExited, () => $"a progress line at 500 records:\n{process.StdoutSoFar}");
        Assert.False(process.HasExited, process.StdoutSoFar);
        source.Release();

        var result = await process.WaitAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain('\u001b', result.Stdout);
        // The last progress line, just before the summary table, is the final count.
        var last = Line(@"[\d,]+/1,000 records \(\d+%\)", batches: @"\d+").Matches(result.Stdout)[^1];
        Assert.Matches(Line(@"1,000/1,000 records \(100%\)", batches: "10"), last.Value);
        var table = result.Stdout.IndexOf("contacts-nightly: completed", StringComparison.Ordinal);
        Assert.True(table > last.Index, result.Stdout);
        Assert.Contains("failures surfaced", result.Stdout[table..], StringComparison.Ordinal);
    }

    /// <summary>A whole plain progress line: <c>[  2.0 s] contacts-nightly: 500/1,000 records (50%) · 812 records/s · 5 batches ·
    /// 2 token refreshes · 0 replays · 0 retries</c>.</summary>
    private static Regex Line(string records, string batches) => new(
        $@"^\[\s*\d+\.\d s\] contacts-nightly: {records} · [\d,]+ records/s · {batches} batches · \d+ token refresh(es)? · \d+ replays? · \d+ retr(y|ies)\r?$",
        RegexOptions.Multiline);

    private static int Occurrences(string text, string value) => Regex.Matches(text, Regex.Escape(value)).Count;
}
