using Tokenkeeper.Sync;

namespace Tokenkeeper.Cli.Jobs;

/// <summary>The exit code a sync result stands for.</summary>
internal static class SyncExitCodes
{
    public static int For(SyncResult result) => result.Status switch
    {
        SyncStatus.Completed => ExitCodes.Ok,
        SyncStatus.ReconnectRequired => ExitCodes.ReconnectRequired,
        SyncStatus.Misconfigured => ExitCodes.Configuration,
        _ => ExitCodes.FailedAfterRetries,
    };
}
