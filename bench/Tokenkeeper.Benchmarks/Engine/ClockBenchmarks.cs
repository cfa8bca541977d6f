using System.Diagnostics;
using BenchmarkDotNet.Attributes;

namespace Tokenkeeper.Benchmarks.Engine;

/// <summary>
/// Reference points for the hot path: what reading a clock costs on this machine, since every token request reads one.
/// Run: <c>dotnet run -c Release --project bench/Tokenkeeper.Benchmarks -- --filter '*ClockBenchmarks*'</c>.
/// </summary>
public class ClockBenchmarks
{
    private readonly TimeProvider _system = TimeProvider.System;
    private readonly OffsetClock _offset = new();

    [Benchmark(Baseline = true, Description = "TimeProvider.System.GetUtcNow().UtcTicks")]
    public long SystemUtcNow() => _system.GetUtcNow().UtcTicks;

    [Benchmark(Description = "TimeProvider.System.GetTimestamp()")]
    public long SystemTimestamp() => _system.GetTimestamp();

    [Benchmark(Description = "Stopwatch.GetTimestamp()")]
    public long StopwatchTimestamp() => Stopwatch.GetTimestamp();

    [Benchmark(Description = "Environment.TickCount64")]
    public long TickCount() => Environment.TickCount64;

    [Benchmark(Description = "OffsetClock.GetUtcNow().UtcTicks (scenarios)")]
    public long OffsetUtcNow() => _offset.GetUtcNow().UtcTicks;
}
