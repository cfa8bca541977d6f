namespace Tokenkeeper.Benchmarks.Engine;

/// <summary>
/// Real time shifted by a settable offset. Reads are lock-free (unlike <c>ManualTimeProvider.GetUtcNow</c>, which takes a
/// lock and would add contention to every hot-path call being measured); timers and timestamps are the real ones, so
/// retries, timeouts and the simulator's <c>delay</c> faults run in real time. <see cref="JumpTo"/> puts "now" exactly at a
/// token's refresh-ahead or usable-until point, from where time keeps flowing at the normal rate.
/// </summary>
internal sealed class OffsetClock : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => new(DateTime.UtcNow.Ticks + Volatile.Read(ref _offsetTicks), TimeSpan.Zero);

    /// <summary>From now on, "now" is <paramref name="instant"/> plus the real time elapsed since this call.</summary>
    public void JumpTo(DateTimeOffset instant) => Volatile.Write(ref _offsetTicks, instant.UtcTicks - DateTime.UtcNow.Ticks);
}
