using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Tokenkeeper.Benchmarks.Simulator;

/// <summary>
/// Drives <c>wrk</c> (when it is on the PATH; Debian: <c>apt-get install wrk</c>) against the in-process simulator:
/// a C load generator on one thread leaves the simulator most of the machine, so its figures measure the server,
/// where the in-process HttpClient generator measures server and .NET client together on the same cores.
/// </summary>
internal static partial class WrkRunner
{
    public static bool IsAvailable { get; } = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
        .Split(Path.PathSeparator).Any(dir => File.Exists(Path.Combine(dir, "wrk")));

    public static async Task<LoadResult?> RunAsync(string name, Uri url, int connections, TimeSpan duration, string? script = null, string? header = null)
    {
        if (!IsAvailable)
        {
            return null;
        }

        var args = new List<string> { "-t1", $"-c{connections}", $"-d{(int)duration.TotalSeconds}s", "--latency" };
        if (script is not null)
        {
            var path = Path.Combine(Path.GetTempPath(), $"tk-sim-wrk-{Guid.NewGuid():N}.lua");
            await File.WriteAllTextAsync(path, script);
            args.AddRange(["-s", path]);
        }

        if (header is not null)
        {
            args.AddRange(["-H", header]);
        }

        args.Add(url.ToString());
        var start = new ProcessStartInfo("wrk", args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();

        var requests = long.Parse(Requests().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        var elapsed = TimeSpan.FromSeconds(double.Parse(Elapsed().Match(output).Groups[1].Value, CultureInfo.InvariantCulture));
        var failed = NonSuccess().Match(output) is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        return new LoadResult(name, connections, requests - failed, failed, elapsed, Latency(output, "50%"), Latency(output, "99%"));
    }

    private static TimeSpan Latency(string output, string percentile)
    {
        var match = Regex.Match(output, $@"^\s+{Regex.Escape(percentile)}\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
        if (!match.Success)
        {
            return TimeSpan.Zero;
        }

        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch
        {
            "us" => TimeSpan.FromMicroseconds(value),
            "ms" => TimeSpan.FromMilliseconds(value),
            _ => TimeSpan.FromSeconds(value),
        };
    }

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex Requests();

    [GeneratedRegex(@"requests in ([\d.]+)s")]
    private static partial Regex Elapsed();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex NonSuccess();
}
