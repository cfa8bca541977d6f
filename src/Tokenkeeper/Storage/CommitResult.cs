namespace Tokenkeeper.Storage;

/// <summary>Why a commit was refused.</summary>
public enum CommitConflict
{
    /// <summary>The commit succeeded.</summary>
    None,

    /// <summary>The record changed since it was read: another writer committed first.</summary>
    VersionMismatch,

    /// <summary>Another instance took the lease since it was acquired.</summary>
    LeaseLost,

    /// <summary>The record does not exist.</summary>
    NotFound,
}

/// <summary>The outcome of a compare-and-swap commit.</summary>
/// <param name="Conflict">Why it failed, or <see cref="CommitConflict.None"/>.</param>
/// <param name="Version">The record's new version on success.</param>
public readonly record struct CommitResult(CommitConflict Conflict, long Version)
{
    /// <summary>Whether the commit was applied.</summary>
    public bool Succeeded => Conflict == CommitConflict.None;

    /// <summary>A successful commit at <paramref name="version"/>.</summary>
    public static CommitResult Success(long version) => new(CommitConflict.None, version);

    /// <summary>A refused commit.</summary>
    public static CommitResult Failed(CommitConflict conflict) => new(conflict, 0);
}
