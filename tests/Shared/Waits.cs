namespace Tokenkeeper.Testing;

/// <summary>Synchronisation helpers for tests: wait for a condition, never for an amount of time.</summary>
internal static class Waits
{
    /// <summary>How long a condition may take before the test fails: generous, because a loaded CI machine is slow.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Yields to the thread pool (not to xUnit's synchronisation context, which other tests keep busy).</summary>
    public static async Task YieldAsync()
    {
        await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
        Thread.Yield();
    }

    /// <summary>Returns once <paramref name="condition"/> holds; fails the test if it never does.</summary>
    public static async Task UntilAsync(Func<bool> condition, string? what = null) => await UntilAsync(condition, () => what);

    /// <summary>Returns once <paramref name="condition"/> holds; fails the test with <paramref name="what"/>'s text (read at failure) if it
    /// never does within <paramref name="patience"/> (default 30 s; waits on other processes deserve more on a loaded machine).</summary>
    public static async Task UntilAsync(Func<bool> condition, Func<string?> what, TimeSpan? patience = null)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (!condition())
        {
            Assert.True(System.Diagnostics.Stopwatch.GetElapsedTime(started) < (patience ?? Patience), $"condition never became true: {what()}");
            await YieldAsync();
        }
    }
}
