namespace Tokenkeeper.Simulator;

/// <summary>What an access token looks like (<c>--token-format</c>).</summary>
public enum TokenFormat
{
    /// <summary>A random URL-safe string carrying 256 bits of entropy. The default.</summary>
    Opaque,

    /// <summary>
    /// A signed JWT with <c>iss</c>, <c>sub</c>, <c>aud</c>, <c>exp</c>, <c>iat</c>, <c>scope</c>, <c>jti</c> and
    /// <c>client_id</c>, signed as <see cref="SimulatorOptions.JwtSigningAlgorithm"/> says.
    /// </summary>
    Jwt,
}
