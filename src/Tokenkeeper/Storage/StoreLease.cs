namespace Tokenkeeper.Storage;

/// <summary>
/// The right to refresh one connection (DESIGN.md contract 4): an owner, an expiry and a fencing number that grows with each
/// acquisition. A commit made under a lease fails if another instance has taken the lease since.
/// </summary>
/// <param name="ConnectionId">The connection.</param>
/// <param name="Owner">Who holds it.</param>
/// <param name="Fence">The fencing number of this acquisition.</param>
/// <param name="ExpiresAt">When it lapses unless renewed.</param>
public sealed record StoreLease(string ConnectionId, string Owner, long Fence, DateTimeOffset ExpiresAt);
