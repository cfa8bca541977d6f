namespace Tokenkeeper.Simulator;

/// <summary>How the simulator signs the JWT access tokens it issues.</summary>
public enum JwtSigningAlgorithm
{
    /// <summary>
    /// HMAC-SHA256 with a key derived from <see cref="SimulatorOptions.Seed"/>. The default: fast enough that JWT
    /// issuance never caps a benchmark. Clients cannot verify the signature (they only need to read <c>exp</c>).
    /// </summary>
    HS256,

    /// <summary>
    /// RSA-SHA256 with a 2048-bit key generated at first use and published at <c>/.well-known/jwks.json</c>, so a
    /// resource server can verify tokens. About 1,000 signatures per second per core.
    /// </summary>
    RS256,
}
