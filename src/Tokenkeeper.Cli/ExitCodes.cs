namespace Tokenkeeper.Cli;

/// <summary>The exit codes of every <c>tokenkeeper</c> command (a contract: scripts and CI depend on them).</summary>
public static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Ok = 0;

    /// <summary>Something unexpected failed.</summary>
    public const int Error = 1;

    /// <summary>The configuration is wrong: bad flags, a bad job file, a missing or wrong key, or a client secret (or scope) the
    /// provider rejected. Nothing was lost; no re-authorisation is needed.</summary>
    public const int Configuration = 2;

    /// <summary>A connection needs re-authorisation; the output names it and the reason.</summary>
    public const int ReconnectRequired = 3;

    /// <summary>The job failed after its retries; its checkpoint is kept, so a rerun resumes.</summary>
    public const int FailedAfterRetries = 4;
}
