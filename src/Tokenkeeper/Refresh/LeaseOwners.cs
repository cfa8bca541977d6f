using System.Diagnostics;
using System.Globalization;

namespace Tokenkeeper.Refresh;

/// <summary>
/// Lease owners are <c>machine:pid:suffix</c>. A lease held by a process of this machine that no longer exists (killed mid-
/// refresh) can be taken over at once instead of waiting for it to lapse. A live process, another machine, or an owner in
/// another format is always treated as alive: the safe direction.
/// </summary>
internal static class LeaseOwners
{
    public static bool IsDeadLocalProcess(string owner)
    {
        var parts = owner.Split(':');
        if (parts.Length < 3 || !string.Equals(parts[0], Environment.MachineName, StringComparison.Ordinal)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return false;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }
}
