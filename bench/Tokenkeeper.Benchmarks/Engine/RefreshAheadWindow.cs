using System.Diagnostics;

namespace Tokenkeeper.Benchmarks.Engine;

/// <summary>
/// Issue 3, target 3b: callers in the refresh-ahead window never wait. <c>workers</c> dedicated threads call for a token in
/// a tight loop and time every call (<see cref="Stopwatch.GetTimestamp"/> on both sides; its own cost, about 20-30 ns, is in
/// every figure). First on a fresh token (the baseline: what "hot-path level" means on this machine, measured the same
/// way), then from the moment the token enters the window while the token endpoint takes 200 ms (simulator fault
/// <c>delay:200ms</c>, real clock): a call that started before the first new token was seen counts as "during the refresh".
/// </summary>
internal static class RefreshAheadWindow
{
    /// <param name="enterWindow">Puts the cached token into the window (and the endpoint's delay on); returns the token cached then.</param>
    public static Result Run(Contender contender, int workers, Func<string> enterWindow, Func<long> received, TimeSpan baseline, TimeSpan afterRefresh, TimeSpan limit)
    {
        _ = Sync(contender.GetTokenAsync());

        // Baseline: fresh token, same threads, same timing.
        var baselineHistograms = Loop(contender, workers, null, baseline, afterRefresh, limit, out _, out _);
        var oldToken = enterWindow();
        var sentBefore = contender.TokenRequestsSent;
        var receivedBefore = received();
        var windowStarted = Stopwatch.GetTimestamp();
        var histograms = Loop(contender, workers, oldToken, baseline, afterRefresh, limit, out var doneAt, out var failures);
        var sent = contender.TokenRequestsSent - sentBefore;
        var arrived = received() - receivedBefore;

        var baselineAll = new LatencyHistogram();
        var during = new LatencyHistogram();
        var after = new LatencyHistogram();
        foreach (var h in baselineHistograms)
        {
            baselineAll.Add(h.During);
        }

        foreach (var h in histograms)
        {
            during.Add(h.During);
            after.Add(h.After);
        }

        var refreshNs = doneAt == 0 ? double.NaN : LatencyHistogram.ToNs(doneAt - windowStarted);
        return new Result(contender.Name, workers, baselineAll, during, after, sent, arrived, refreshNs, failures);
    }

    private static string Sync(ValueTask<string> pending) => pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();

    /// <summary>
    /// Runs the workers. Without <paramref name="oldToken"/>: for <paramref name="baseline"/>, every sample in "During". With it:
    /// until a worker sees another token, then <paramref name="afterRefresh"/> more (or <paramref name="limit"/> in all).
    /// </summary>
    private static (LatencyHistogram During, LatencyHistogram After)[] Loop(Contender contender, int workers, string? oldToken, TimeSpan baseline, TimeSpan afterRefresh, TimeSpan limit, out long doneAt, out int failures)
    {
        var histograms = new (LatencyHistogram During, LatencyHistogram After)[workers];
        var stop = 0;
        long done = 0;
        var failed = 0;
        var threads = new Thread[workers];
        for (var w = 0; w < workers; w++)
        {
            var worker = w;
            histograms[w] = (new LatencyHistogram(), new LatencyHistogram());
            threads[w] = new Thread(() =>
            {
                var (duringHistogram, afterHistogram) = histograms[worker];
                while (Volatile.Read(ref stop) == 0)
                {
                    var started = Stopwatch.GetTimestamp();
                    string token;
                    try
                    {
                        token = Sync(contender.GetTokenAsync());
                    }
                    catch (Exception ex) when (ex is not OutOfMemoryException)
                    {
                        Interlocked.Increment(ref failed);
                        continue;
                    }

                    var ended = Stopwatch.GetTimestamp();
                    if (oldToken is null)
                    {
                        duringHistogram.Record(LatencyHistogram.ToNs(ended - started));
                        continue;
                    }

                    if (!ReferenceEquals(token, oldToken) && token != oldToken && Volatile.Read(ref done) == 0)
                    {
                        Interlocked.CompareExchange(ref done, ended, 0);
                    }

                    var seen = Volatile.Read(ref done);
                    (seen == 0 || started < seen ? duringHistogram : afterHistogram).Record(LatencyHistogram.ToNs(ended - started));
                }
            })
            {
                IsBackground = true,
                Name = "window-worker-" + worker,
            };
        }

        var begun = Stopwatch.GetTimestamp();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        while (true)
        {
            Thread.Sleep(5);
            var elapsed = Stopwatch.GetElapsedTime(begun);
            var seen = Volatile.Read(ref done);
            if (oldToken is null ? elapsed >= baseline : (seen != 0 && Stopwatch.GetElapsedTime(seen) >= afterRefresh) || elapsed >= limit)
            {
                break;
            }
        }

        Volatile.Write(ref stop, 1);
        foreach (var thread in threads)
        {
            thread.Join();
        }

        doneAt = Volatile.Read(ref done);
        failures = failed;
        return histograms;
    }

    public sealed record Result(string Name, int Workers, LatencyHistogram Baseline, LatencyHistogram During, LatencyHistogram After, long TokenRequests, long TokenRequestsReceived, double RefreshNs, int Failures);
}
