namespace Tokenkeeper.Simulator;

/// <summary>An authorization code issued by <c>GET /oauth/authorize</c>; single use.</summary>
internal sealed class AuthorizationCodeRecord(
    RegisteredClient client, string user, string[] scopes, string? redirectUri, string codeChallenge, DateTimeOffset expiresAt)
{
    public Lock Gate { get; } = new();

    public RegisteredClient Client => client;

    public string User => user;

    public string[] Scopes => scopes;

    /// <summary>The <c>redirect_uri</c> the authorization request carried, or null if it carried none.</summary>
    public string? RedirectUri => redirectUri;

    public string CodeChallenge => codeChallenge;

    public DateTimeOffset ExpiresAt => expiresAt;

    /// <summary>The grant its redemption created; null until redeemed. Guarded by <see cref="Gate"/>.</summary>
    public Grant? RedeemedGrant { get; set; }

    public bool Redeemed { get; set; }
}
