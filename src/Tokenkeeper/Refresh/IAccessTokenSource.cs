namespace Tokenkeeper.Refresh;

/// <summary>
/// Where one connection's access tokens come from (after golang.org/x/oauth2's <c>TokenSource</c>, with its gaps fixed:
/// cancellable, told when a token was rejected, and rotation-safe underneath).
/// </summary>
public interface IAccessTokenSource
{
    /// <summary>The connection.</summary>
    string ConnectionId { get; }

    /// <summary>
    /// Returns a token valid for at least <paramref name="minValidity"/> (and the usable-until margin). Fresh tokens come
    /// straight from memory without allocating; in the refresh-ahead window the current token is returned while a background
    /// refresh runs; past usable-until the caller waits for the single in-flight refresh.
    /// </summary>
    /// <exception cref="TokenAcquisitionException">No usable token can be had; nothing should be sent.</exception>
    ValueTask<ManagedAccessToken> GetTokenAsync(TimeSpan minValidity = default, CancellationToken cancellationToken = default);

    /// <summary>
    /// Called when a resource server rejected <paramref name="rejected"/> (DESIGN.md contract 7): returns the current token at
    /// once if it differs, otherwise forces one refresh through the single flight and returns its result.
    /// </summary>
    /// <exception cref="TokenAcquisitionException">No new token can be had.</exception>
    ValueTask<ManagedAccessToken> GetTokenAfterRejectionAsync(ManagedAccessToken rejected, CancellationToken cancellationToken = default);
}
