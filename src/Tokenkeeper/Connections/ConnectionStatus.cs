namespace Tokenkeeper.Connections;

/// <summary>A connection's state, why it is in it, and since when.</summary>
/// <param name="State">The state.</param>
/// <param name="Reason">A machine-readable reason (see <see cref="StateReasons"/>).</param>
/// <param name="Since">When the connection entered the state.</param>
/// <param name="Detail">What the provider or the operator said, if anything (never a token).</param>
public sealed record ConnectionStatus(ConnectionState State, string Reason, DateTimeOffset Since, string? Detail = null)
{
    /// <summary>Whether tokens may be served and refreshed in this state.</summary>
    public bool IsUsable => State is ConnectionState.Active or ConnectionState.Degraded;
}
