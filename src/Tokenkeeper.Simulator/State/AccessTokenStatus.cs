namespace Tokenkeeper.Simulator;

/// <summary>Whether a presented access token may be used.</summary>
internal enum AccessTokenStatus
{
    Active,
    Expired,
    Revoked,
    Unknown,
}
