using System.Security.Cryptography;
using System.Text;

namespace Tokenkeeper.Diagnostics;

/// <summary>
/// A short, one-way label for a token or secret, safe to log, put in metrics or show to an operator.
/// It is the first 8 hex digits of the SHA-256 of the value: enough to tell two tokens apart in a log,
/// far too little to recover or guess the token.
/// </summary>
public static class TokenFingerprint
{
    /// <summary>The label used when there is no value.</summary>
    public const string None = "none";

    /// <summary>Returns the fingerprint of <paramref name="value"/>, or <see cref="None"/> when it is null or empty.</summary>
    public static string Of(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return None;
        }

        var byteCount = Encoding.UTF8.GetMaxByteCount(value.Length);
        byte[]? rented = null;
        Span<byte> buffer = byteCount <= 512 ? stackalloc byte[512] : (rented = new byte[byteCount]);
        var written = Encoding.UTF8.GetBytes(value, buffer);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(buffer[..written], hash);
        if (rented is not null)
        {
            CryptographicOperations.ZeroMemory(rented);
        }
        else
        {
            CryptographicOperations.ZeroMemory(buffer[..written]);
        }

        return Convert.ToHexStringLower(hash[..4]);
    }
}
