namespace Tokenkeeper.Simulator;

/// <summary>One device authorization request (RFC 8628 §3.2): its codes, where the person stands, and the polling pace.</summary>
internal sealed class DeviceAuthorization(RegisteredClient client, string[] scopes, string userCode, DateTimeOffset expiresAt, TimeSpan interval)
{
    public Lock Gate { get; } = new();

    public RegisteredClient Client => client;

    public string[] Scopes => scopes;

    public string UserCode => userCode;

    public DateTimeOffset ExpiresAt => expiresAt;

    /// <summary>The least time between two polls; <c>slow_down</c> adds 5 seconds (RFC 8628 §3.5).</summary>
    public TimeSpan Interval { get; set; } = interval;

    public DateTimeOffset? LastPolledAt { get; set; }

    /// <summary>Null while the person has not decided; then approved (for a user) or denied.</summary>
    public string? ApprovedFor { get; set; }

    public bool Denied { get; set; }

    public bool Redeemed { get; set; }
}
