namespace Tokenkeeper.Refresh;

/// <summary>What a commit carries, which decides what it may survive (see <see cref="VersionedCommitter"/>).</summary>
internal enum CommitKind
{
    /// <summary>A refresh intent, or clearing one: never written over a new lease holder's work.</summary>
    Intent,

    /// <summary>Tokens the provider issued: committed even after the lease was lost, if nobody committed since.</summary>
    Success,

    /// <summary>A failure's record: never written over a new lease holder's work.</summary>
    Failure,
}
