using System.Diagnostics;
using System.Net;

namespace Tokenkeeper.Benchmarks.Simulator;

/// <summary>
/// A closed-loop HTTP load generator: <c>workers</c> concurrent loops, each sending the next request as soon as the
/// previous one answered, for a warm-up and then a measured period. It runs in the benchmark's own process, so it
/// shares the machine's cores with the simulator: the figures are a lower bound of what the simulator can serve.
/// </summary>
internal sealed class LoadGenerator(int workers, TimeSpan warmup, TimeSpan measured)
{
    public async Task<LoadResult> RunAsync(string name, Uri baseAddress, Func<HttpClient, int, Task<bool>> request)
    {
        using var client = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = workers,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
        })
        {
            BaseAddress = baseAddress,
        };

        var measuring = 0;
        var stop = 0;
        var latencies = new List<long>[workers];
        var failures = new int[workers];
        var tasks = Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
        {
            var mine = latencies[worker] = new List<long>(1 << 16);
            while (Volatile.Read(ref stop) == 0)
            {
                var started = Stopwatch.GetTimestamp();
                bool ok;
                try
                {
                    ok = await request(client, worker);
                }
                catch (HttpRequestException)
                {
                    ok = false;
                }

                if (Volatile.Read(ref measuring) == 1)
                {
                    if (ok)
                    {
                        mine.Add(Stopwatch.GetTimestamp() - started);
                    }
                    else
                    {
                        failures[worker]++;
                    }
                }
            }
        })).ToArray();

        await Task.Delay(warmup);
        var clock = Stopwatch.StartNew();
        Volatile.Write(ref measuring, 1);
        await Task.Delay(measured);
        Volatile.Write(ref measuring, 0);
        var elapsed = clock.Elapsed;
        Volatile.Write(ref stop, 1);
        await Task.WhenAll(tasks);

        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new LoadResult(name, workers, all.Length, failures.Sum(), elapsed, Percentile(all, 0.50), Percentile(all, 0.99));
    }

    private static TimeSpan Percentile(long[] sorted, double p) =>
        sorted.Length == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(0, sorted[(int)Math.Min(sorted.Length - 1, p * sorted.Length)]);
}

/// <summary>What one load run measured.</summary>
internal sealed record LoadResult(string Name, int Workers, long Succeeded, long Failed, TimeSpan Elapsed, TimeSpan P50, TimeSpan P99)
{
    public double PerSecond => Succeeded / Elapsed.TotalSeconds;
}
