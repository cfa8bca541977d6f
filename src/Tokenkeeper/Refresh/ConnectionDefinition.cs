using Tokenkeeper.Connections;
using Tokenkeeper.Storage;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Refresh;

/// <summary>A connection declared in code or a job file: its registration and, for a store that does not know it yet, a
/// bootstrap refresh token.</summary>
public sealed record ConnectionDefinition
{
    /// <summary>The connection id.</summary>
    public required string ConnectionId { get; init; }

    /// <summary>How to reach the provider.</summary>
    public required ConnectionRegistration Registration { get; init; }

    /// <summary>A refresh token that starts the connection when the store does not know it yet (or when the stored grant is
    /// dead and this token is a different one). Once the store holds a live refresh token, this one is ignored: the store's is
    /// the rotated, current one.</summary>
    public RefreshToken? BootstrapRefreshToken { get; init; }

    /// <summary>When the bootstrap grant was authorised, if known (absolute refresh-token deadlines count from it). Default: now.</summary>
    public DateTimeOffset? AuthorizedAt { get; init; }

    /// <summary>A profile to use instead of the one named by <see cref="ConnectionRegistration.Provider"/> (custom lifetimes or matcher).</summary>
    public ProviderProfile? Profile { get; init; }
}
