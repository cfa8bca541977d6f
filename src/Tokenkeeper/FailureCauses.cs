namespace Tokenkeeper;

/// <summary>The wire names of <see cref="FailureCause"/> and the cause of a token endpoint failure.</summary>
public static class FailureCauses
{
    /// <summary><see cref="FailureCause.Credential"/>.</summary>
    public const string Credential = "credential";

    /// <summary><see cref="FailureCause.ClientConfiguration"/>.</summary>
    public const string ClientConfiguration = "client_configuration";

    /// <summary><see cref="FailureCause.Provider"/>.</summary>
    public const string Provider = "provider";

    /// <summary><see cref="FailureCause.Infrastructure"/>.</summary>
    public const string Infrastructure = "infrastructure";

    /// <summary>The name written in events, records and reports: <c>credential</c>, <c>client_configuration</c>, <c>provider</c>
    /// or <c>infrastructure</c>.</summary>
    public static string Name(FailureCause cause) => cause switch
    {
        FailureCause.Credential => Credential,
        FailureCause.ClientConfiguration => ClientConfiguration,
        FailureCause.Provider => Provider,
        FailureCause.Infrastructure => Infrastructure,
        _ => throw new ArgumentOutOfRangeException(nameof(cause), cause, "Not a failure cause."),
    };

    /// <summary>Reads a name written by <see cref="Name"/>.</summary>
    public static bool TryParse(string? name, out FailureCause cause)
    {
        foreach (var candidate in Enum.GetValues<FailureCause>())
        {
            if (string.Equals(Name(candidate), name, StringComparison.Ordinal))
            {
                cause = candidate;
                return true;
            }
        }

        cause = default;
        return false;
    }

    /// <summary>
    /// The cause of a token endpoint failure: a refused grant is the credential's; a refused client or request is the
    /// configuration's; a request that certainly never reached the provider (<see cref="TokenEndpointFailure.Unreachable"/>) is this
    /// side's network; every other answer or timeout is the provider's.
    /// </summary>
    public static FailureCause Of(TokenEndpointFailure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return failure.Kind switch
        {
            TokenFailureKind.InvalidGrant => FailureCause.Credential,
            TokenFailureKind.InvalidClient or TokenFailureKind.InvalidRequest => FailureCause.ClientConfiguration,
            _ when failure.Unreachable => FailureCause.Infrastructure,
            _ => FailureCause.Provider,
        };
    }

    /// <summary>The cause a connection state's reason (see <see cref="Connections.StateReasons"/>) stands for: a revoked, expired or
    /// lost grant is the credential's, a rejected client or request the configuration's; null for a reason that is no failure, or
    /// whose cause depends on what failed (<c>refresh_failing</c>: see the record's <see cref="Storage.ConnectionRecord.LastFailureCause"/>).</summary>
    public static FailureCause? OfStateReason(string? reason) => reason switch
    {
        Connections.StateReasons.RefreshTokenExpired or Connections.StateReasons.Revoked or Connections.StateReasons.RotationLostInFlight => FailureCause.Credential,
        Connections.StateReasons.InvalidClient or Connections.StateReasons.ConfigurationError => FailureCause.ClientConfiguration,
        _ => null,
    };
}
