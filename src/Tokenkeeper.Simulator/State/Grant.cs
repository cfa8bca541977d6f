namespace Tokenkeeper.Simulator;

/// <summary>
/// One authorization: the chain of refresh tokens that started with it, and every access token issued from it.
/// Every change to the chain happens under <see cref="Gate"/>, so two requests presenting the same refresh token
/// are decided one after the other.
/// </summary>
internal sealed class Grant(string id, RegisteredClient client, string user, string[] scopes, DateTimeOffset created)
{
    private volatile string? _revokedReason;

    public Lock Gate { get; } = new();

    public string Id => id;

    public RegisteredClient Client => client;

    public string User => user;

    public string[] Scopes => scopes;

    public string Scope { get; } = Simulator.Scopes.Join(scopes);

    public DateTimeOffset CreatedAt { get; } = created;

    /// <summary>When a refresh token of this grant was last used successfully (true time); guarded by <see cref="Gate"/>.</summary>
    public DateTimeOffset LastUsedAt { get; set; } = created;

    /// <summary>Rotations so far: 0 for the first refresh token; guarded by <see cref="Gate"/>.</summary>
    public int Generation { get; set; }

    /// <summary>
    /// Presentations of this grant's rotated refresh tokens at the token endpoint, tolerated or not (the grant's share of
    /// <see cref="SimulatorStats.SpentRefreshTokensPresented"/>); guarded by <see cref="Gate"/>.
    /// </summary>
    public long SpentRefreshTokensPresented { get; set; }

    /// <summary>The refresh tokens of the current generation (more than one only after grace reuse); guarded by <see cref="Gate"/>.</summary>
    public List<RefreshTokenRecord> Live { get; } = [];

    public bool IsRevoked => _revokedReason is not null;

    public string? RevokedReason => _revokedReason;

    /// <summary>Revokes the grant; true if this call did it (false if it was already revoked).</summary>
    public bool Revoke(string reason) => Interlocked.CompareExchange(ref _revokedReason, reason, null) is null;

    /// <summary>When the grant's refresh tokens die of age, if an absolute lifetime is set.</summary>
    public DateTimeOffset? AbsoluteDeadline(SimulatorOptions options) => options.RefreshAbsoluteTtl is { } ttl ? CreatedAt + ttl : null;
}
