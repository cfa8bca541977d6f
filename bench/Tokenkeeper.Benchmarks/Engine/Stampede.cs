using System.Diagnostics;

namespace Tokenkeeper.Benchmarks.Engine;

/// <summary>
/// Issue 3, target 3a: many callers arrive together at the point where the cached token may no longer be handed out
/// (Tokenkeeper: usable-until; naive manager: expiry minus its 120 s margin; MSAL: expiry minus its 5-minute buffer). Every
/// caller is parked on one gate; opening it releases them all onto the thread pool at once. Each caller's latency runs from
/// its own call to its token. Token requests are counted as they leave the client and as they reach the simulator. The
/// first token handed out marks the end of the refresh; callers that called before it are the ones that overlapped it.
/// </summary>
internal static class Stampede
{
    public static async Task<Run> RunOnceAsync(Contender contender, Func<Task> positionAtExpiry, Func<long> received, int callers)
    {
        await positionAtExpiry();
        var sentBefore = contender.TokenRequestsSent;
        var receivedBefore = received();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var latencies = new double[callers];
        var starts = new long[callers];
        var ends = new long[callers];
        var tokens = new string?[callers];
        var failures = 0;
        string? firstError = null;
        var tasks = new Task[callers];
        for (var i = 0; i < callers; i++)
        {
            tasks[i] = CallAsync(i);
        }

        async Task CallAsync(int i)
        {
            await gate.Task;
            var started = Stopwatch.GetTimestamp();
            try
            {
                tokens[i] = await contender.GetTokenAsync();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Interlocked.Increment(ref failures);
                Interlocked.CompareExchange(ref firstError, ex.GetType().Name + ": " + ex.Message, null);
            }

            var ended = Stopwatch.GetTimestamp();
            starts[i] = started;
            ends[i] = ended;
            latencies[i] = LatencyHistogram.ToNs(ended - started);
        }

        var opened = Stopwatch.GetTimestamp();
        gate.SetResult();
        await Task.WhenAll(tasks);
        var wall = LatencyHistogram.ToNs(Stopwatch.GetTimestamp() - opened);
        await Task.Delay(250); // background work (MSAL) lands in the stats too
        var sent = contender.TokenRequestsSent - sentBefore;
        var arrived = received() - receivedBefore;
        Array.Sort(latencies);

        // The first token handed out marks the end of the refresh: callers that had called before it all waited on it.
        var firstServed = ends.Min();
        var waited = starts.Count(s => s < firstServed);
        var lastStart = LatencyHistogram.ToNs(starts.Max() - opened);
        return new Run(callers, sent, arrived, latencies, wall, failures, firstError, tokens.Where(t => t is not null).Distinct(StringComparer.Ordinal).Count(), waited, lastStart);
    }

    public sealed record Run(int Callers, long TokenRequests, long TokenRequestsReceived, double[] SortedLatenciesNs, double WallNs, int Failures, string? FirstError, int DistinctTokens, int CalledDuringRefresh, double LastCallerStartedNs)
    {
        public double P(double q) => Stat.Percentile(SortedLatenciesNs, q);
    }
}
