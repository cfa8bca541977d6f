namespace Tokenkeeper.Sync;

/// <summary>Why a sync stopped before the end.</summary>
public enum SyncFailureKind
{
    /// <summary>A connection needs a person: its grant was revoked or expired, or it was never authorised.</summary>
    ReconnectRequired,

    /// <summary>An operator disabled a connection.</summary>
    ConnectionDisabled,

    /// <summary>Transient failures (network, 5xx, 429, the token endpoint) outlasted every retry.</summary>
    Unavailable,

    /// <summary>The source or destination could not be reached at all (connection refused, unknown host).</summary>
    Unreachable,

    /// <summary>The source or destination refused a request (a 4xx other than 401/408/429): retrying cannot help.</summary>
    Rejected,

    /// <summary>A page was not what the job describes (no records array, not JSON, a next link to another site).</summary>
    BadPage,

    /// <summary>The source changed under a resumed generation (a shorter page, a different batch body for a used key).</summary>
    SourceChanged,

    /// <summary>Another run of the same job moved its checkpoint.</summary>
    CheckpointConflict,

    /// <summary>The run was cancelled (Ctrl+C).</summary>
    Cancelled,

    /// <summary>The token store (which also holds the checkpoint) stayed busy or unreachable for its whole retry window. Nothing is
    /// lost: the checkpoint is where it was, and tokens a refresh obtained meanwhile are kept beside the store.</summary>
    StoreUnavailable,

    /// <summary>The provider rejected a connection's client (<c>invalid_client</c>: a wrong secret, client id or key) or its token
    /// request (<c>invalid_scope</c> and the like). The refresh token was not spent and the grant is fine: correct the
    /// configuration; no re-authorisation is needed.</summary>
    Misconfigured,
}
