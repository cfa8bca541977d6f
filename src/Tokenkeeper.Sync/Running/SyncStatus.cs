namespace Tokenkeeper.Sync;

/// <summary>How a sync run ended.</summary>
public enum SyncStatus
{
    /// <summary>Every record of the generation was written and checkpointed.</summary>
    Completed,

    /// <summary>The run stopped before the end; its checkpoint is kept, so a rerun resumes.</summary>
    Failed,

    /// <summary>A connection needs re-authorisation; the checkpoint is kept, so a rerun after re-authorising resumes.</summary>
    ReconnectRequired,

    /// <summary>The provider rejected a connection's client or request (<c>invalid_client</c>, <c>invalid_scope</c>): a configuration
    /// fault, the grant is fine and no re-authorisation is needed. The checkpoint is kept, so a rerun after correcting the
    /// configuration resumes.</summary>
    Misconfigured,
}
