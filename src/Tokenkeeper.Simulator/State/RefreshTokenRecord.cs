namespace Tokenkeeper.Simulator;

/// <summary>One refresh token of a grant's chain. Mutable fields are guarded by the grant's lock.</summary>
internal sealed class RefreshTokenRecord(Grant grant, int generation, DateTimeOffset issued)
{
    public Grant Grant => grant;

    public int Generation => generation;

    public DateTimeOffset IssuedAt { get; } = issued;

    /// <summary>Last successful use (or issue), the start of its idle clock.</summary>
    public DateTimeOffset LastUsedAt { get; set; } = issued;

    /// <summary>When it stopped being live (it was rotated, or a sibling was), or null while live.</summary>
    public DateTimeOffset? RotatedAt { get; set; }

    public bool IsLive => RotatedAt is null;
}
