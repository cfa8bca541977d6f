namespace Tokenkeeper.Simulator;

/// <summary>What the simulator knows of an access token it issued.</summary>
internal sealed class AccessTokenRecord(
    RegisteredClient client, string subject, string[] scopes, Grant? grant, DateTimeOffset issuedAt, DateTimeOffset expiresAt)
{
    private volatile bool _revoked;

    public RegisteredClient Client => client;

    /// <summary>The user, or the client id for client credentials.</summary>
    public string Subject => subject;

    public string[] Scopes => scopes;

    public string Scope { get; } = Simulator.Scopes.Join(scopes);

    /// <summary>The grant it came from, or null (client credentials, JWT bearer).</summary>
    public Grant? Grant => grant;

    public DateTimeOffset IssuedAt => issuedAt;

    public DateTimeOffset ExpiresAt => expiresAt;

    /// <summary>Revokes this token; true if this call did it.</summary>
    public bool Revoke()
    {
        if (_revoked)
        {
            return false;
        }

        _revoked = true;
        return true;
    }

    public AccessTokenStatus StatusAt(DateTimeOffset now) =>
        _revoked || (grant?.IsRevoked ?? false) ? AccessTokenStatus.Revoked
        : now >= expiresAt ? AccessTokenStatus.Expired
        : AccessTokenStatus.Active;
}
