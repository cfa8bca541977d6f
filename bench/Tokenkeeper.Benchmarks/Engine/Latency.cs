using System.Diagnostics;
using System.Globalization;

namespace Tokenkeeper.Benchmarks.Engine;

/// <summary>
/// A log-linear latency histogram in nanoseconds (32 sub-buckets per power of two: values are exact below 64 ns and within
/// about 3% above). Fixed size, allocation-free to record, so a worker can record millions of calls without touching the GC.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBuckets = 32;
    private readonly long[] _counts = new long[64 + (58 * SubBuckets)];
    private long _max;
    private double _sum;

    public long Count { get; private set; }

    public double MeanNs => Count == 0 ? double.NaN : _sum / Count;

    public long MaxNs => _max;

    public static long ToNs(long stopwatchTicks) => (long)(stopwatchTicks * (1e9 / Stopwatch.Frequency));

    public void Record(long ns)
    {
        if (ns < 0)
        {
            ns = 0;
        }

        _counts[Index(ns)]++;
        Count++;
        _sum += ns;
        if (ns > _max)
        {
            _max = ns;
        }
    }

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
        _sum += other._sum;
        _max = Math.Max(_max, other._max);
    }

    /// <summary>The value below which a fraction <paramref name="q"/> of the samples lie (the bucket's upper bound, capped at the max).</summary>
    public double PercentileNs(double q)
    {
        if (Count == 0)
        {
            return double.NaN;
        }

        var rank = (long)Math.Ceiling(q * Count);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank && _counts[i] > 0)
            {
                return Math.Min(UpperBound(i), _max);
            }
        }

        return _max;
    }

    private static int Index(long v)
    {
        if (v < 64)
        {
            return (int)v;
        }

        var msb = 63 - (int)ulong.LeadingZeroCount((ulong)v);
        var shift = msb - 5;
        var top = (int)(v >> shift);
        return 64 + ((shift - 1) * SubBuckets) + (top - SubBuckets);
    }

    private static double UpperBound(int index)
    {
        if (index < 64)
        {
            return index;
        }

        var shift = ((index - 64) / SubBuckets) + 1;
        var top = ((index - 64) % SubBuckets) + SubBuckets;
        return ((long)(top + 1) << shift) - 1;
    }
}

/// <summary>Exact statistics over a sample array, and formatting.</summary>
internal static class Stat
{
    public static double Percentile(double[] sorted, double q)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(q * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    public static (double Mean, double StdDev) MeanStd(IReadOnlyList<double> values)
    {
        var mean = values.Average();
        var variance = values.Count < 2 ? 0 : values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1);
        return (mean, Math.Sqrt(variance));
    }

    /// <summary>Nanoseconds as a short human figure: 42 ns, 1.3 µs, 12.5 ms, 1.20 s.</summary>
    public static string Time(double ns) => ns switch
    {
        double.NaN => "-",
        < 1_000 => string.Create(CultureInfo.InvariantCulture, $"{ns:0} ns"),
        < 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{ns / 1e3:0.0} µs"),
        < 1_000_000_000 => string.Create(CultureInfo.InvariantCulture, $"{ns / 1e6:0.0} ms"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{ns / 1e9:0.00} s"),
    };

    public static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>The 1-minute load average and the number of cores, for the record.</summary>
    public static string Load()
    {
        try
        {
            var fields = File.ReadAllText("/proc/loadavg").Split(' ');
            return F($"load average {fields[0]} {fields[1]} {fields[2]} on {Environment.ProcessorCount} cores");
        }
        catch (IOException)
        {
            return F($"load average unknown, {Environment.ProcessorCount} cores");
        }
    }
}
