namespace Tokenkeeper.Refresh;

/// <summary>What registering a connection did to the store.</summary>
/// <param name="Created">The store did not know the connection; it was created.</param>
/// <param name="RegistrationUpdated">The stored registration differed and was updated (tokens kept).</param>
/// <param name="BootstrapIgnored">A bootstrap refresh token was given but the store already holds a live one, which is kept;
/// reported once per connection per store (the same token offered again on later runs is ignored silently).</param>
/// <param name="Reauthorized">The stored grant was dead and the bootstrap refresh token, a different one, replaced it.</param>
public sealed record RegistrationOutcome(bool Created, bool RegistrationUpdated, bool BootstrapIgnored, bool Reauthorized)
{
    /// <summary>The stored grant is dead and the bootstrap refresh token offered is the one it was started with: already spent,
    /// so it was not applied. A newly authorised refresh token is needed.</summary>
    public bool BootstrapSpent { get; init; }
}
