using System.Diagnostics;
using System.Globalization;

namespace Tokenkeeper.Refresh;

/// <summary>
/// Lease owners are <c>machine:pid:pid-namespace:suffix</c>. A lease held by a process that provably shares this process's
/// machine name <i>and</i> PID namespace, and no longer exists (killed mid-refresh), can be taken over at once instead of waiting
/// for it to lapse. Containers that share a hostname but not a PID namespace see each other's PIDs as missing, so without
/// the namespace match nothing is judged dead: another machine, another namespace, an unknown namespace, a live PID, or an
/// owner in another format are all treated as alive — the safe direction.
/// </summary>
internal static class LeaseOwners
{
    /// <summary>This process's PID namespace (the inode of <c>/proc/self/ns/pid</c>), or <c>-</c> where it cannot be read.</summary>
    public static readonly string PidNamespace = ReadPidNamespace();

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> Running = new(StringComparer.Ordinal);

    /// <summary>Marks a manager of this process as running under <paramref name="instanceId"/> until <see cref="Stopped"/>: an owner
    /// with this process's PID is live only while its manager runs (a stopped one settles nothing any more).</summary>
    public static void Started(string instanceId) => Running.AddOrUpdate(instanceId, 1, static (_, count) => count + 1);

    /// <summary>Marks a manager of this process as stopped (see <see cref="Started"/>).</summary>
    public static void Stopped(string instanceId)
    {
        while (Running.TryGetValue(instanceId, out var count))
        {
            if (count <= 1 ? Running.TryRemove(new KeyValuePair<string, int>(instanceId, count)) : Running.TryUpdate(instanceId, count - 1, count))
            {
                return;
            }
        }
    }

    /// <summary>An owner id for an instance of this process.</summary>
    public static string ForThisProcess() =>
        $"{Environment.MachineName}:{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}:{PidNamespace}:{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Whether <paramref name="owner"/> is provably a process of this machine and PID namespace that no longer exists.</summary>
    public static bool IsDeadLocalProcess(string owner) => LocalLiveness(owner) == false;

    /// <summary>Whether <paramref name="owner"/> is provably a process of this machine and PID namespace that still runs (in this
    /// process: a manager that has not stopped). False for anything that cannot be told: another machine, another namespace,
    /// another format, or a platform without PID namespaces (Windows, macOS). A PID reused after a reboot can look live: what
    /// relies on this bounds its wait (<see cref="RefreshConstants.LiveOwnerPatience"/>).</summary>
    public static bool IsLiveLocalProcess(string owner) => LocalLiveness(owner) == true;

    /// <summary>True: a local process that runs (in this process: a manager that has not stopped); false: a local process that is
    /// gone; null: neither can be told.</summary>
    private static bool? LocalLiveness(string owner)
    {
        var parts = owner.Split(':');
        if (parts.Length != 4 || PidNamespace == "-"
            || !string.Equals(parts[0], Environment.MachineName, StringComparison.Ordinal)
            || !string.Equals(parts[2], PidNamespace, StringComparison.Ordinal)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return null;
        }

        if (pid == Environment.ProcessId)
        {
            // This process is not dead; one of its instances is provably live only while its manager runs.
            return Running.ContainsKey(owner) ? true : null;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static string ReadPidNamespace()
    {
        try
        {
            // "pid:[4026531836]"
            var target = new FileInfo("/proc/self/ns/pid").LinkTarget;
            var open = target?.IndexOf('[', StringComparison.Ordinal) ?? -1;
            var close = target?.IndexOf(']', StringComparison.Ordinal) ?? -1;
            return open >= 0 && close > open ? target![(open + 1)..close] : "-";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            return "-";
        }
    }
}
