namespace Tokenkeeper.Simulator;

/// <summary>What a successful token request produced, ready to be written as a token response.</summary>
internal sealed class IssuedTokens(string accessToken, AccessTokenRecord access, IssuedBy issuedBy)
{
    public string AccessToken => accessToken;

    public AccessTokenRecord Access => access;

    public IssuedBy IssuedBy => issuedBy;

    /// <summary>The refresh token to return, or null (client credentials, JWT bearer, or a refresh under rotation <c>none</c>).</summary>
    public string? RefreshToken { get; init; }

    /// <summary>Add <c>grant_id</c> to the response (only <c>POST /sim/grants</c> does).</summary>
    public bool IncludeGrantId { get; set; }
}
