
namespace Tokenkeeper.Connections;

/// <summary>
/// The connection states and the transitions allowed between them. Every state can be disabled; only a disabled connection
/// can be enabled; a client or configuration fault (<c>invalid_client</c>) is <see cref="ConnectionState.Degraded"/>, not a dead
/// grant, and a corrected registration returns it to <see cref="ConnectionState.Active"/>; a connection that needs re-authorisation leaves that state only by being authorised (or disabled: enabling it
/// again without a new grant returns it to <see cref="ConnectionState.ReconnectRequired"/>).
/// </summary>
/// <remarks>
/// <code>
/// PendingAuthorization ──authorized──▶ Active ◀──refreshed / reconfigured── Degraded
///                                       │  └──refresh_failing / invalid_client / configuration_error──▶ │
///                                       └──revoked / expired / lost in flight──▶ ReconnectRequired
///                                              (also from Degraded)            ──authorized──▶ Active
/// any ──disabled_by_operator──▶ Disabled ──enabled──▶ Active (or PendingAuthorization without tokens, or back to
///                                                     ReconnectRequired with its reason when it was disabled from there
///                                                     and has not been re-authorised since)
/// </code>
/// </remarks>
internal static class ConnectionStateMachine
{
    private static readonly Dictionary<ConnectionState, ConnectionState[]> Allowed = new()
    {
        [ConnectionState.PendingAuthorization] = [ConnectionState.Active, ConnectionState.Disabled],
        [ConnectionState.Active] = [ConnectionState.Degraded, ConnectionState.ReconnectRequired, ConnectionState.Disabled],
        [ConnectionState.Degraded] = [ConnectionState.Active, ConnectionState.ReconnectRequired, ConnectionState.Disabled],
        [ConnectionState.ReconnectRequired] = [ConnectionState.Active, ConnectionState.Disabled],
        [ConnectionState.Disabled] = [ConnectionState.Active, ConnectionState.PendingAuthorization, ConnectionState.ReconnectRequired],
    };

    /// <summary>Whether a connection may go from <paramref name="from"/> to <paramref name="to"/> (staying put is always allowed).</summary>
    public static bool IsAllowed(ConnectionState from, ConnectionState to) => from == to || Allowed[from].Contains(to);

    /// <summary>The states reachable from <paramref name="from"/>.</summary>
    public static IReadOnlyList<ConnectionState> Next(ConnectionState from) => Allowed[from];
}
