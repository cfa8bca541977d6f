using System.Buffers.Text;
using System.Security.Cryptography;

namespace Tokenkeeper.Simulator;

/// <summary>Unguessable, URL-safe values for tokens, codes and ids.</summary>
internal static class TokenValues
{
    /// <summary>A base64url string of <see cref="SimulatorDefaults.OpaqueTokenBytes"/> random bytes (43 characters).</summary>
    public static string NewOpaque()
    {
        Span<byte> bytes = stackalloc byte[SimulatorDefaults.OpaqueTokenBytes];
        RandomNumberGenerator.Fill(bytes);
        return Base64Url.EncodeToString(bytes);
    }

    /// <summary>A short random hex id (128 bits), for JWT <c>jti</c> values.</summary>
    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
