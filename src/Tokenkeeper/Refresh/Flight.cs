using Tokenkeeper.Tokens;

namespace Tokenkeeper.Refresh;

/// <summary>Why a refresh flight started and what its first caller needs from it.</summary>
/// <param name="Trigger">Why.</param>
/// <param name="Rejected">A token a resource server rejected: never handed out again by this flight.</param>
/// <param name="MinValidity">How long the first caller needs the token to stay valid.</param>
/// <param name="Epoch">The source's epoch when the flight started: if the connection is re-authorised, enabled or disabled
/// meanwhile, the flight's result is not published.</param>
internal readonly record struct Flight(RefreshTrigger Trigger, AccessToken? Rejected, TimeSpan MinValidity, int Epoch);
