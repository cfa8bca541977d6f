namespace Tokenkeeper;

/// <summary>
/// The provider rejected the connection's client (<c>invalid_client</c>, <c>unauthorized_client</c>) or its request
/// (<c>invalid_scope</c>, an unusable signing key, …): a configuration fault, not a dead grant. The refresh token was not spent
/// and the grant stays valid: correct the client id, secret, key or scope and the connection is <c>Active</c> again, with no
/// re-authorisation. Until then, or until <see cref="RetryNotBefore"/>, nothing is sent with the configuration that was rejected.
/// </summary>
public sealed class ConnectionMisconfiguredException : TokenAcquisitionException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="connectionId">The connection.</param>
    /// <param name="clientId">The client the provider rejected.</param>
    /// <param name="reason">Why (<see cref="Connections.StateReasons.InvalidClient"/> or <see cref="Connections.StateReasons.ConfigurationError"/>).</param>
    /// <param name="detail">What the provider (or the local check) said, if anything.</param>
    /// <param name="retryNotBefore">When the same configuration is tried again by itself, if ever.</param>
    public ConnectionMisconfiguredException(string connectionId, string clientId, string reason, string? detail, DateTimeOffset? retryNotBefore = null)
        : base(connectionId, Describe(connectionId, clientId, reason, detail), cause: FailureCause.ClientConfiguration)
    {
        ClientId = clientId;
        Reason = reason;
        Detail = detail;
        RetryNotBefore = retryNotBefore;
    }

    /// <summary>The client the provider rejected.</summary>
    public string ClientId { get; }

    /// <summary>Why (see <see cref="Connections.StateReasons"/>).</summary>
    public string Reason { get; }

    /// <summary>What the provider said, if anything.</summary>
    public string? Detail { get; }

    /// <summary>When the same configuration is tried again by itself; a corrected registration is tried at once.</summary>
    public DateTimeOffset? RetryNotBefore { get; }

    private static string Describe(string connectionId, string clientId, string reason, string? detail)
    {
        var what = reason == Connections.StateReasons.InvalidClient
            ? $"the provider rejected client '{clientId}' ({reason})"
            : $"the provider refused the token request of client '{clientId}' ({reason})";
        return $"Connection '{connectionId}': {what}{(detail is null ? "" : ": " + detail)}. This is a configuration fault: the refresh token was not spent and the grant is fine, so no re-authorisation is needed; correct the configuration and the connection is Active again.";
    }
}
