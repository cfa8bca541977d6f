using System.Globalization;
using Tokenkeeper.Connections;
using Xunit.Abstractions;
using CliProcess = Tokenkeeper.IntegrationTests.Support.CliProcess;

namespace Tokenkeeper.IntegrationTests.Reliability;

/// <summary>
/// Rounds of everything at once, chosen from <see cref="ReliabilitySeed"/>: one to three concurrent sync processes on one store
/// and one single-use rotating connection at a slow provider, while SIGTERM, kill -9 and a write-locked store hit them at
/// random moments; then every job is run again to its end. After each round: no refresh token was ever presented again after its
/// rotation (the provider would have revoked the grant), a killed refresh ended as recovered or as
/// <c>rotation_lost_in_flight</c> (then a person re-authorises, here a new grant), nothing is left behind, every record of every
/// job arrived exactly once. In CI it runs one round; <c>TOKENKEEPER_SOAK_MINUTES</c> makes it a soak (docs/performance.md).
/// </summary>
public sealed class SoakTests(ITestOutputHelper output)
{
    /// <summary>How long the soak runs, in minutes, when set: <c>TOKENKEEPER_SOAK_MINUTES</c>. Unset: one round.</summary>
    public const string MinutesVariable = "TOKENKEEPER_SOAK_MINUTES";

    [Fact]
    public async Task RoundsOfConcurrentRunsSignalsKillsAndStoreLocks_NeverPresentASpentRefreshToken_AndLoseNoRecord()
    {
        var minutes = double.TryParse(Environment.GetEnvironmentVariable(MinutesVariable), NumberStyles.Float, CultureInfo.InvariantCulture, out var set) ? set : 0;
        var until = DateTimeOffset.UtcNow.AddMinutes(minutes);
        var seed = ReliabilitySeed.For(nameof(SoakTests));
        await using var h = await ReliabilityHarness.StartAsync(o =>
        {
            o.AccessTtl = TimeSpan.FromSeconds(3);
            o.TokenResponseDelay = TimeSpan.FromSeconds(1);
            o.Contacts = 6 * ReliabilityHarness.PageSize;
            o.ApiFaults = ["delay:50ms"];
            o.ApiFaultRate = 1;
        });

        var totals = new Totals();
        var jobs = 0;
        do
        {
            totals.Rounds++;
            var round = await RoundAsync(h, seed, totals, jobs, everything: totals.Rounds == 1);
            jobs += round;
            h.AssertNoSpentTokenPresented($"{seed}, round {totals.Rounds}");
            await h.AssertNothingLeftBehindAsync($"{seed}, round {totals.Rounds}");
            h.AssertEveryRecordDeliveredOnce(jobs);
        }
        while (DateTimeOffset.UtcNow < until);

        var stats = h.Stats;
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"soak {seed}: {totals.Rounds} rounds, {totals.Runs} runs, {jobs} jobs, {totals.Terminated} SIGTERM, {totals.Killed} kill -9 ({totals.KilledInDoubt} with a refresh at the provider), {totals.Locks} store locks, {totals.Reauthorised} re-authorisations after rotation_lost_in_flight; provider: {stats.RefreshesServed} refreshes, {stats.SpentRefreshTokensPresented} spent tokens presented, {stats.GrantsRevoked} grants revoked; {stats.ContactsReceived} records delivered"));
    }

    /// <summary>One round; returns the number of jobs it ran (each to its end). The first round has every kind of event, and
    /// three processes; later rounds draw what they have.</summary>
    private static async Task<int> RoundAsync(ReliabilityHarness h, ReliabilitySeed seed, Totals totals, int jobsSoFar, bool everything)
    {
        var count = everything ? 3 : seed.Next(1, 4);
        var jobs = Enumerable.Range(jobsSoFar, count).Select(i => h.WriteJob($"job-{i}")).ToList();
        var processes = jobs.Select(h.Start).ToList();
        totals.Runs += count;

        // While they run: maybe a SIGTERM, maybe a kill -9, maybe a store lock, each at a random moment.
        var events = new List<Task>();
        var inDoubt = false;
        if (everything || seed.Next(0, 2) == 1)
        {
            events.Add(WhenHeldAsync(h, seed, processes, p => { p.Terminate(); totals.Terminated++; }));
        }

        if (everything || seed.Next(0, 2) == 1)
        {
            events.Add(WhenHeldAsync(h, seed, processes, p =>
            {
                inDoubt |= h.Stats.TokenResponsesHeld > 0;
                p.KillHard();
                totals.Killed++;
            }));
        }

        if (everything || seed.Next(0, 2) == 1)
        {
            events.Add(LockAsync(h, seed, totals));
        }

        await Task.WhenAll(events);
        foreach (var process in processes)
        {
            await process.WaitForExitAsync(TimeSpan.FromMinutes(3));
            Assert.True(process.ExitCode is 0 or 3 or 130 or 137 or 143 or -1, $"{seed}: {process.Output}");
        }

        if (inDoubt)
        {
            totals.KilledInDoubt++;
        }

        // Every job again, to its end: what was interrupted resumes; a refresh killed at the provider is recovered or needs a person.
        foreach (var job in jobs)
        {
            var (exit, text, _) = await h.RunAsync(job);
            totals.Runs++;
            if (exit == 3)
            {
                Assert.Contains(StateReasons.RotationLostInFlight, text, StringComparison.Ordinal);
                Assert.True(totals.Killed > 0, $"{seed}: a connection needs re-authorisation without any kill: {text}");
                await h.NewGrantAsync();
                totals.Reauthorised++;
                (exit, text, _) = await h.RunAsync(job);
                totals.Runs++;
            }

            Assert.True(exit == 0, $"{seed}: {text}");
        }

        return count;
    }

    /// <summary>Acts on a random running process once a token answer is held at the provider (or at a random moment, if none is
    /// held within a while).</summary>
    private static async Task WhenHeldAsync(ReliabilityHarness h, ReliabilitySeed seed, List<CliProcess> processes, Action<CliProcess> act)
    {
        var target = processes[seed.Next(0, processes.Count)];
        var giveUp = DateTimeOffset.UtcNow + seed.Next(TimeSpan.FromSeconds(6));
        while (h.Stats.TokenResponsesHeld == 0 && DateTimeOffset.UtcNow < giveUp && !target.HasExited)
        {
            await Task.Delay(10);
        }

        await Task.Delay(seed.Next(TimeSpan.FromMilliseconds(500)));
        if (!target.HasExited)
        {
            act(target);
        }
    }

    private static async Task LockAsync(ReliabilityHarness h, ReliabilitySeed seed, Totals totals)
    {
        await Task.Delay(seed.Next(TimeSpan.FromSeconds(3)));
        await using (await h.LockStoreAsync())
        {
            totals.Locks++;
            await Task.Delay(seed.Next(TimeSpan.FromSeconds(5)));
        }
    }

    private sealed class Totals
    {
        public int Rounds { get; set; }

        public int Runs { get; set; }

        public int Terminated { get; set; }

        public int Killed { get; set; }

        public int KilledInDoubt { get; set; }

        public int Locks { get; set; }

        public int Reauthorised { get; set; }
    }
}
