using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Tokenkeeper.Simulator;
using Tokenkeeper.Sqlite;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Benchmarks.Engine;

/// <summary>
/// <c>dotnet run -c Release --project bench/Tokenkeeper.Benchmarks -- engine [--callers 10000] [--repeats 3] [--workers 4]
/// [--rounds 30000] [--only probe,handler,stampede,window]</c>: the scenario half of issue 3 (the BenchmarkDotNet half is
/// <see cref="HotPathBenchmarks"/> and <see cref="HandlerBenchmarks"/>). Tokenkeeper, MSAL.NET and the naive manager of
/// seeds/004 in the same run, against the simulator hosted in this process on loopback. Prints Markdown tables; exits 1
/// when a Tokenkeeper target is missed.
/// </summary>
public static class EngineScenario
{
    private static readonly TimeSpan MsalExpiryBuffer = TimeSpan.FromMinutes(5);

    public static async Task<int> RunAsync(string[] args)
    {
        var callers = Option(args, "--callers", 10_000);
        var repeats = Option(args, "--repeats", 3);
        var workers = Option(args, "--workers", 4);
        var rounds = Option(args, "--rounds", 30_000);
        var only = OptionText(args, "--only")?.Split(',') ?? ["probe", "handler", "stampede", "window"];
        Console.WriteLine(Stat.F($"# Token engine scenarios, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC: {Environment.ProcessorCount} cores, .NET {Environment.Version}, Server GC {System.Runtime.GCSettings.IsServerGC}"));
        Console.WriteLine(Stat.F($"start: {Stat.Load()}"));
        var ok = true;

        if (only.Contains("probe"))
        {
            await using var sim = await SimulatorServer.StartAsync(new SimulatorOptions());
            Console.WriteLine();
            Console.WriteLine("## MSAL.NET against the loopback (http) authority");
            Console.WriteLine();
            foreach (var line in await MsalContender.ProbeHttpAuthorityAsync(sim.BaseAddress))
            {
                Console.WriteLine("- " + line);
            }

            await using var msal = MsalContender.Create(sim.BaseAddress);
            var first = await msal.AcquireAsync();
            var second = await msal.AcquireAsync();
            Console.WriteLine($"- https authority {MsalContender.PublicAuthority} routed to the simulator: first call {first.AuthenticationResultMetadata.TokenSource}, second {second.AuthenticationResultMetadata.TokenSource}; simulator token requests: {sim.GetStats().TokenRequests}");
        }

        if (only.Contains("handler"))
        {
            ok &= await HandlerSectionAsync(rounds);
        }

        if (only.Contains("stampede"))
        {
            ok &= await StampedeSectionAsync(callers, repeats);
        }

        if (only.Contains("window"))
        {
            ok &= await WindowSectionAsync(workers, repeats);
        }

        Console.WriteLine();
        Console.WriteLine(Stat.F($"end: {Stat.Load()}"));
        Console.WriteLine($"Tokenkeeper targets: {(ok ? "all met" : "MISSED (see the tables)")}");
        return ok ? 0 : 1;
    }

    private static async Task<bool> HandlerSectionAsync(int rounds)
    {
        await using var sim = await SimulatorServer.StartAsync(new SimulatorOptions());
        await using var minimal = await MinimalApi.StartAsync();
        await using var tokenkeeper = TokenkeeperContender.Create(sim.TokenEndpoint);
        var results = new List<HandlerOverhead.Result>();
        foreach (var (server, url) in new[] { ("minimal Kestrel endpoint", minimal.Url), ("simulator GET /api/contacts?limit=1", new Uri(sim.BaseAddress, "api/contacts?limit=1")) })
        {
            results.Add(await HandlerOverhead.RunAsync(server, url, tokenkeeper.Manager, 1, rounds));
            results.Add(await HandlerOverhead.RunAsync(server, url, tokenkeeper.Manager, 16, Math.Max(rounds / 16, 100)));
        }

        Console.WriteLine();
        Console.WriteLine("## Handler overhead per request, loopback (target: under 2%)");
        Console.WriteLine();
        Console.WriteLine(Stat.F($"Clients interleaved request by request, order rotated every round; {Stat.Load()}"));
        Console.WriteLine();
        Console.WriteLine("| server | callers | requests per client | client | mean | p50 | p99 | overhead of the mean ± 95% | p99 vs plain | allocated per request vs plain | target |");
        Console.WriteLine("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---|");
        var ok = true;
        foreach (var r in results)
        {
            var plain = r.Clients[0];
            foreach (var c in r.Clients)
            {
                var isPlain = ReferenceEquals(c, plain);
                var isControl = c.Client.StartsWith("control", StringComparison.Ordinal);
                var met = c.OverheadPercent < 2;
                var isDefault = c.Client.Contains("defaults", StringComparison.Ordinal);
                ok &= !isDefault || met;
                var verdict = isPlain || isControl ? "" : !met ? "MISSED" : c.OverheadPercent + c.OverheadCi95Percent < 2 ? "met" : "met (interval reaches 2%)";
                var overhead = isPlain ? "-" : Stat.F($"{c.OverheadPercent:+0.00;-0.00}% ± {c.OverheadCi95Percent:0.00}%");
                var p99 = isPlain ? "-" : Stat.F($"{100 * ((c.P99Ns / plain.P99Ns) - 1):+0.0;-0.0}%");
                var allocated = isPlain ? Stat.F($"{c.AllocatedPerRequest:N0} B (whole process)") : Stat.F($"{c.AllocatedPerRequest - plain.AllocatedPerRequest:+0;-0} B");
                Console.WriteLine(Stat.F($"| {r.Server} | {r.Concurrency} | {r.RequestsPerClient:N0} | {c.Client} | {Stat.Time(c.MeanNs)} | {Stat.Time(c.P50Ns)} | {Stat.Time(c.P99Ns)} | {overhead} | {p99} | {allocated} | {verdict} |"));
            }
        }

        return ok;
    }

    private static async Task<bool> StampedeSectionAsync(int callers, int repeats)
    {
        var rows = new List<(string Name, string Delay, Stampede.Run Run)>();
        using var key = new AesGcmSecretProtector(RandomNumberGenerator.GetBytes(32));
        var directory = Directory.CreateTempSubdirectory("tk-bench-").FullName;
        try
        {
            var contenders = new (string Kind, Func<SimulatorServer, Contender> Create)[]
            {
                ("tokenkeeper", sim => TokenkeeperContender.Create(sim.TokenEndpoint)),
                ("tokenkeeper-sqlite", sim => TokenkeeperContender.Create(
                    sim.TokenEndpoint,
                    clock => new SqliteTokenStore(new SqliteTokenStoreOptions { Path = Path.Combine(directory, "tokenkeeper.db"), Protector = key }, clock),
                    name: "Tokenkeeper (SQLite store)")),
                ("naive", sim => new NaiveContender(sim.TokenEndpoint)),
                ("msal", sim => MsalContender.Create(sim.BaseAddress)),
            };
            foreach (var (kind, create) in contenders)
            {
                await using var sim = await SimulatorServer.StartAsync(new SimulatorOptions());
                await using var contender = create(sim);
                Func<Task> position = contender switch
                {
                    TokenkeeperContender tk => async () =>
                    {
                        var token = await tk.Source.GetTokenAsync();
                        tk.Clock.JumpTo(token.Windows.UsableUntil);
                    },
                    NaiveContender naive => async () =>
                    {
                        await naive.Manager.GetValidTokenAsync();
                        naive.Clock.JumpTo(naive.Manager.RefreshAt!.Value);
                    },
                    MsalContender msal => async () =>
                    {
                        // MSAL has no clock to inject: its tokens live 5 min + 2 s, so they pass its 5-minute expiry buffer 2 s
                        // after they are issued, on the real clock.
                        sim.Options.AccessTtl = MsalExpiryBuffer + TimeSpan.FromSeconds(2);
                        var result = await msal.AcquireAsync();
                        // ExpiresOn is rounded to the second in MSAL's cache: wait 1.1 s past it to be sure every caller misses.
                        var wait = result.ExpiresOn - MsalExpiryBuffer - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(1_100);
                        if (wait > TimeSpan.Zero)
                        {
                            await Task.Delay(wait);
                        }
                    },
                    _ => throw new InvalidOperationException(kind),
                };

                foreach (var delay in new[] { "none", "200 ms" })
                {
                    async Task PositionWithDelay()
                    {
                        sim.Options.FaultRate = 0;
                        sim.Options.Faults = [];
                        await position();
                        if (delay != "none")
                        {
                            sim.Options.Faults = ["delay:200ms"];
                            sim.Options.FaultRate = 1;
                        }
                    }

                    // A warm-up stampede (JIT, connections), not reported.
                    await Stampede.RunOnceAsync(contender, PositionWithDelay, () => sim.GetStats().TokenRequests, Math.Min(callers, 1_000));
                    for (var i = 0; i < repeats; i++)
                    {
                        rows.Add((contender.Name, delay, await Stampede.RunOnceAsync(contender, PositionWithDelay, () => sim.GetStats().TokenRequests, callers)));
                    }
                }

                sim.Options.FaultRate = 0;
                sim.Options.Faults = [];
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }

        Console.WriteLine();
        Console.WriteLine(Stat.F($"## {callers:N0} concurrent callers at the usable-until point (target: exactly 1 token-endpoint call)"));
        Console.WriteLine();
        Console.WriteLine(Stat.F($"{Stat.Load()}"));
        Console.WriteLine();
        Console.WriteLine("| contender | token endpoint delay | run | token requests sent / received | distinct tokens served | callers that called during the refresh | last caller called after | fastest caller | p50 | p90 | p99 | slowest | failures | target |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        var ok = true;
        foreach (var group in rows.GroupBy(r => (r.Name, r.Delay)))
        {
            var run = 0;
            foreach (var (name, delay, r) in group)
            {
                var isTokenkeeper = name.StartsWith("Tokenkeeper", StringComparison.Ordinal);
                var met = r.TokenRequests == 1 && r.TokenRequestsReceived == 1 && r.Failures == 0;
                ok &= !isTokenkeeper || met;
                var verdict = isTokenkeeper ? (met ? "met" : "MISSED") : "-";
                Console.WriteLine(Stat.F($"| {name} | {delay} | {++run} | {r.TokenRequests:N0} / {r.TokenRequestsReceived:N0} | {r.DistinctTokens:N0} | {r.CalledDuringRefresh:N0} | {Stat.Time(r.LastCallerStartedNs)} | {Stat.Time(r.P(0))} | {Stat.Time(r.P(0.5))} | {Stat.Time(r.P(0.9))} | {Stat.Time(r.P(0.99))} | {Stat.Time(r.P(1))} | {r.Failures}{(r.FirstError is null ? "" : " (" + r.FirstError + ")")} | {verdict} |"));
            }
        }

        Console.WriteLine();
        Console.WriteLine(Stat.F($"Medians over the {repeats} runs:"));
        Console.WriteLine();
        Console.WriteLine("| contender | token endpoint delay | token requests sent (each run) | callers that called during the refresh | fastest caller | p50 | p99 | slowest |");
        Console.WriteLine("|---|---|---|---:|---:|---:|---:|---:|");
        foreach (var group in rows.GroupBy(r => (r.Name, r.Delay)))
        {
            var runs = group.Select(g => g.Run).ToList();
            Console.WriteLine(Stat.F($"| {group.Key.Name} | {group.Key.Delay} | {string.Join(", ", runs.Select(r => r.TokenRequests.ToString("N0", CultureInfo.InvariantCulture)))} | {Stat.Median(runs.Select(r => (double)r.CalledDuringRefresh)):N0} | {Stat.Time(Stat.Median(runs.Select(r => r.P(0))))} | {Stat.Time(Stat.Median(runs.Select(r => r.P(0.5))))} | {Stat.Time(Stat.Median(runs.Select(r => r.P(0.99))))} | {Stat.Time(Stat.Median(runs.Select(r => r.P(1))))} |"));
        }

        return ok;
    }

    private static async Task<bool> WindowSectionAsync(int workers, int repeats)
    {
        var rows = new List<RefreshAheadWindow.Result>();
        var baseline = TimeSpan.FromMilliseconds(300);
        var afterRefresh = TimeSpan.FromMilliseconds(100);
        var limit = TimeSpan.FromSeconds(5);
        for (var i = 0; i < repeats; i++)
        {
            foreach (var kind in new[] { "tokenkeeper", "naive", "msal" })
            {
                await using var sim = await SimulatorServer.StartAsync(new SimulatorOptions());
                void DelayOn()
                {
                    sim.Options.Faults = ["delay:200ms"];
                    sim.Options.FaultRate = 1;
                }

                switch (kind)
                {
                    case "tokenkeeper":
                    {
                        await using var tk = TokenkeeperContender.Create(sim.TokenEndpoint);
                        rows.Add(RefreshAheadWindow.Run(tk, workers, () =>
                        {
                            var token = tk.Source.GetTokenAsync().AsTask().GetAwaiter().GetResult();
                            DelayOn();
                            tk.Clock.JumpTo(token.Windows.RefreshAheadAt);
                            return token.Token.Value;
                        }, () => sim.GetStats().TokenRequests, baseline, afterRefresh, limit));
                        break;
                    }

                    case "naive":
                    {
                        await using var naive = new NaiveContender(sim.TokenEndpoint);
                        rows.Add(RefreshAheadWindow.Run(naive, workers, () =>
                        {
                            var token = naive.Manager.GetValidTokenAsync().AsTask().GetAwaiter().GetResult();
                            DelayOn();
                            naive.Clock.JumpTo(naive.Manager.RefreshAt!.Value);
                            return token;
                        }, () => sim.GetStats().TokenRequests, baseline, afterRefresh, limit));
                        break;
                    }

                    default:
                    {
                        await using var msal = MsalContender.Create(sim.BaseAddress);
                        rows.Add(RefreshAheadWindow.Run(msal, workers, () =>
                        {
                            // MSAL refreshes ahead only when the token response carries refresh_in (or lives over 2 h): inject
                            // refresh_in = 1 s, take a token with it, and wait until MSAL's refresh-on point has passed.
                            msal.InjectRefreshIn = 1;
                            var result = msal.App.AcquireTokenForClient(Contender.Scope.Split(' ')).WithForceRefresh(true).ExecuteAsync().GetAwaiter().GetResult();
                            Thread.Sleep(TimeSpan.FromMilliseconds(1_050));
                            DelayOn();
                            return result.AccessToken;
                        }, () => sim.GetStats().TokenRequests, baseline, afterRefresh, limit));
                        msal.InjectRefreshIn = null;
                        await Task.Delay(1_000); // let MSAL's background requests drain before the next contender runs
                        break;
                    }
                }

                sim.Options.FaultRate = 0;
                sim.Options.Faults = [];
                await Task.Delay(300); // let background refreshes finish before the simulator stops
            }
        }

        Console.WriteLine();
        Console.WriteLine(Stat.F($"## Callers in the refresh-ahead window while a 200 ms refresh runs (target: p99 at hot-path level)"));
        Console.WriteLine();
        Console.WriteLine(Stat.F($"{workers} threads calling in a loop; \"hot-path level\" = at most twice the p99 the same threads measure on a fresh token; {Stat.Load()}"));
        Console.WriteLine();
        Console.WriteLine("| contender | run | fresh token: calls | p50 | p99 | during the refresh: calls | p50 | p99 | p99.9 | max | first new token after | token requests sent / received | failures | target |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        var ok = true;
        foreach (var group in rows.GroupBy(r => r.Name))
        {
            var run = 0;
            foreach (var r in group)
            {
                var isTokenkeeper = r.Name.StartsWith("Tokenkeeper", StringComparison.Ordinal);
                var met = r.During.PercentileNs(0.99) <= 2 * r.Baseline.PercentileNs(0.99) && r.TokenRequests == 1 && r.Failures == 0;
                ok &= !isTokenkeeper || met;
                var verdict = isTokenkeeper ? (met ? "met" : "MISSED") : "-";
                Console.WriteLine(Stat.F($"| {r.Name} | {++run} | {r.Baseline.Count:N0} | {Stat.Time(r.Baseline.PercentileNs(0.5))} | {Stat.Time(r.Baseline.PercentileNs(0.99))} | {r.During.Count:N0} | {Stat.Time(r.During.PercentileNs(0.5))} | {Stat.Time(r.During.PercentileNs(0.99))} | {Stat.Time(r.During.PercentileNs(0.999))} | {Stat.Time(r.During.MaxNs)} | {Stat.Time(r.RefreshNs)} | {r.TokenRequests:N0} / {r.TokenRequestsReceived:N0} | {r.Failures} | {verdict} |"));
            }
        }

        Console.WriteLine();
        Console.WriteLine(Stat.F($"Medians over the {repeats} runs:"));
        Console.WriteLine();
        Console.WriteLine("| contender | fresh token: p50 | p99 | during the refresh: p50 | p99 | p99.9 | max | token requests sent (each run) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---|");
        foreach (var group in rows.GroupBy(r => r.Name))
        {
            var runs = group.ToList();
            Console.WriteLine(Stat.F($"| {group.Key} | {Stat.Time(Stat.Median(runs.Select(r => r.Baseline.PercentileNs(0.5))))} | {Stat.Time(Stat.Median(runs.Select(r => r.Baseline.PercentileNs(0.99))))} | {Stat.Time(Stat.Median(runs.Select(r => r.During.PercentileNs(0.5))))} | {Stat.Time(Stat.Median(runs.Select(r => r.During.PercentileNs(0.99))))} | {Stat.Time(Stat.Median(runs.Select(r => r.During.PercentileNs(0.999))))} | {Stat.Time(Stat.Median(runs.Select(r => (double)r.During.MaxNs)))} | {string.Join(", ", runs.Select(r => r.TokenRequests.ToString("N0", CultureInfo.InvariantCulture)))} |"));
        }

        return ok;
    }

    private static int Option(string[] args, string name, int fallback) =>
        OptionText(args, name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    private static string? OptionText(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }
}
