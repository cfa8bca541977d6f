using System.Security.Cryptography;
using System.Text;

namespace Tokenkeeper.Simulator;

/// <summary>The short hash logged in place of a token: the first 8 hex characters of its SHA-256.</summary>
internal static class Fingerprint
{
    public static string Of(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return "-";
        }

        var length = Encoding.UTF8.GetMaxByteCount(token.Length);
        var buffer = length <= 1024 ? stackalloc byte[length] : new byte[length];
        var written = Encoding.UTF8.GetBytes(token, buffer);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(buffer[..written], hash);
        return Convert.ToHexStringLower(hash)[..SimulatorDefaults.FingerprintHexChars];
    }
}
