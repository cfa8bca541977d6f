namespace Tokenkeeper;

/// <summary>
/// The connection needs a person: its grant was revoked or expired, or the refresh token was lost in flight
/// (<see cref="FailureCause.Credential"/>). No refresh is attempted until it is re-authorised.
/// </summary>
public sealed class ReconnectRequiredException : TokenAcquisitionException
{
    /// <summary>Creates the exception.</summary>
    public ReconnectRequiredException(string connectionId, string reason, string? detail)
        : base(connectionId, $"Connection '{connectionId}' needs to be re-authorised ({reason}){(detail is null ? "" : ": " + detail)}.", cause: reason == Connections.StateReasons.NotAuthorized ? null : FailureCauses.OfStateReason(reason) ?? FailureCause.Credential)
    {
        Reason = reason;
        Detail = detail;
    }

    /// <summary>Why (see <see cref="Connections.StateReasons"/>).</summary>
    public string Reason { get; }

    /// <summary>What the provider said, if anything.</summary>
    public string? Detail { get; }
}
