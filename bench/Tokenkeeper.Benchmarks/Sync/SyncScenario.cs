using System.Globalization;
using Tokenkeeper.Simulator;

namespace Tokenkeeper.Benchmarks.Sync;

/// <summary>
/// <c>dotnet run -c Release --project bench/Tokenkeeper.Benchmarks -- sync [--contacts N] [--rounds N] [--short-ttl-seconds 20]
/// [--short-rotation reuse-detection|none]</c>: the cost of
/// token management in the sync. The same sync runs with access tokens that never expire (no rotation) and with 20-second
/// access tokens and single-use rotating refresh tokens, alternating, several rounds; it prints records/s for each run,
/// the medians, the spread and the overhead. No faults are injected: they would drown the difference in retry delays.
/// <c>--short-rotation none</c> keeps the short lifetime but drops rotation, and a long <c>--short-ttl-seconds</c> the
/// reverse: together they tell a cost of short-lived tokens from a cost of the rotation mode.
/// </summary>
public static class SyncScenario
{
    private const int DefaultContacts = 600_000;
    private const int DefaultRounds = 3;
    private const int WarmUpContacts = 100_000;
    private const int RefreshSamples = 500;
    private const int PageSize = 500;
    private const int BatchSize = 500;
    private static readonly TimeSpan ShortTtl = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan NeverExpires = TimeSpan.FromDays(3650);

    public static async Task<int> RunAsync(string[] args)
    {
        var contacts = Option(args, "--contacts", DefaultContacts);
        var rounds = Option(args, "--rounds", DefaultRounds);
        var shortTtl = TimeSpan.FromSeconds(Option(args, "--short-ttl-seconds", (int)ShortTtl.TotalSeconds));
        var shortRotation = Array.IndexOf(args, "--short-rotation") is var at and >= 0 && at + 1 < args.Length && args[at + 1] == "none"
            ? RotationMode.None
            : RotationMode.ReuseDetection;
        var shortName = $"{shortTtl.TotalSeconds:0} s tokens{(shortRotation == RotationMode.None ? "" : ", rotation")}";
        Console.WriteLine($"# Sync overhead: {Environment.ProcessorCount} cores, .NET {Environment.Version}, {contacts:N0} contacts, pages and batches of {BatchSize}, {rounds} rounds");

        // Warm-up: JIT (tiered up), SQLite, Kestrel.
        await SyncRun.RunAsync("warm-up", Options(WarmUpContacts, NeverExpires, RotationMode.None), PageSize, BatchSize);
        await SyncRun.RunAsync("warm-up", Options(WarmUpContacts, shortTtl, shortRotation), PageSize, BatchSize);

        var never = new List<SyncRun.Outcome>();
        var rotating = new List<SyncRun.Outcome>();
        for (var round = 0; round < rounds; round++)
        {
            // Alternate which variant goes first, so drift in machine load does not favour one.
            var order = round % 2 == 0 ? new[] { false, true } : [true, false];
            foreach (var shortTokens in order)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                var outcome = shortTokens
                    ? await SyncRun.RunAsync(shortName, Options(contacts, shortTtl, shortRotation), PageSize, BatchSize)
                    : await SyncRun.RunAsync("never-expiring token", Options(contacts, NeverExpires, RotationMode.None), PageSize, BatchSize);
                (shortTokens ? rotating : never).Add(outcome);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round {round + 1}: {outcome.Variant,-22} {outcome.RecordsPerSecond,9:N0} records/s in {outcome.Elapsed.TotalSeconds,6:0.0} s, CPU {outcome.CpuPerRecord:0.00} µs/record; refreshes {outcome.Refreshes}, replays {outcome.Replays}, retries {outcome.Retries}, refresh tokens issued {outcome.TokensIssued}; waited for tokens {outcome.TokenWait.TotalMilliseconds:0.0} ms over {outcome.TokenCalls:N0} requests ({outcome.TokenWaitShare:P3} of the run, {outcome.SlowTokenCalls} waits over 1 ms)"));
            }
        }

        var neverMedian = Median(never);
        var rotatingMedian = Median(rotating);
        var overhead = (neverMedian - rotatingMedian) / neverMedian;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"never-expiring: median {neverMedian:N0} records/s (runs {Spread(never)})"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{shortName}: median {rotatingMedian:N0} records/s (runs {Spread(rotating)})"));
        var neverCpu = never.Select(o => o.CpuPerRecord).Order().ElementAt(never.Count / 2);
        var rotatingCpu = rotating.Select(o => o.CpuPerRecord).Order().ElementAt(rotating.Count / 2);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"CPU per record: never-expiring median {neverCpu:0.00} µs (runs {string.Join(", ", never.Select(o => o.CpuPerRecord.ToString("0.00", CultureInfo.InvariantCulture)))}), {shortName} median {rotatingCpu:0.00} µs (runs {string.Join(", ", rotating.Select(o => o.CpuPerRecord.ToString("0.00", CultureInfo.InvariantCulture)))}): {(rotatingCpu - neverCpu) / neverCpu:P2}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"time waiting for tokens, {shortName}: median {rotating.Select(o => o.TokenWaitShare).Order().ElementAt(rotating.Count / 2):P3} of the run (never-expiring: {never.Select(o => o.TokenWaitShare).Order().ElementAt(never.Count / 2):P3})"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"token-management overhead (median vs median): {overhead:P2}; run-to-run spread of the never-expiring runs: {(never.Max(o => o.RecordsPerSecond) - never.Min(o => o.RecordsPerSecond)) / neverMedian:P2}"));
        // Bottom up: what the extra refreshes cost, against what the sync spends per second.
        var (wall, cpu) = await RefreshCost.MeasureAsync(RefreshSamples);
        var extraRefreshes = rotating.Average(o => o.Refreshes) - never.Average(o => o.Refreshes);
        var syncCpu = never.Average(o => o.Cpu.TotalMilliseconds);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"one refresh (rotating, SQLite, client + simulator): {wall.TotalMilliseconds:0.00} ms wall, {cpu.TotalMilliseconds:0.00} ms CPU; {extraRefreshes:0.0} extra refreshes per run cost {extraRefreshes * cpu.TotalMilliseconds:0.0} ms CPU of {syncCpu:N0} ms: {extraRefreshes * cpu.TotalMilliseconds / syncCpu:P3}"));
        return 0;
    }

    private static SimulatorOptions Options(int contacts, TimeSpan accessTtl, RotationMode rotation) => new()
    {
        Contacts = contacts,
        AccessTtl = accessTtl,
        Rotation = rotation,
        ReuseInterval = TimeSpan.FromSeconds(30),
    };

    private static double Median(List<SyncRun.Outcome> runs) => runs.Select(o => o.RecordsPerSecond).Order().ElementAt(runs.Count / 2);

    private static string Spread(List<SyncRun.Outcome> runs) => string.Join(", ", runs.Select(o => o.RecordsPerSecond.ToString("N0", CultureInfo.InvariantCulture)));

    private static int Option(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], CultureInfo.InvariantCulture, out var value) ? value : fallback;
    }
}
