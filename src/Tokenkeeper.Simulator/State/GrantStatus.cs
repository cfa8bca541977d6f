namespace Tokenkeeper.Simulator;

/// <summary>Why a grant was revoked; the names appear in <c>GET /sim/grants</c>.</summary>
internal static class GrantRevocationReasons
{
    public const string ReuseDetected = "refresh_token_reuse_detected";
    public const string RevokedByClient = "revoked_by_client";
    public const string RevokedBySimulator = "revoked_by_simulator";
    public const string AuthorizationCodeReplayed = "authorization_code_replayed";
}
