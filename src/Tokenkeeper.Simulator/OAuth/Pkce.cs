using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Tokenkeeper.Simulator;

/// <summary>PKCE (RFC 7636) with the S256 method only.</summary>
internal static class Pkce
{
    public const string S256 = "S256";

    /// <summary>43-128 characters of <c>[A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"</c> (RFC 7636 §4.1).</summary>
    public static bool IsWellFormed(string? value)
    {
        if (value is null || value.Length is < 43 or > 128)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '.' or '_' or '~'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>BASE64URL(SHA256(ASCII(verifier))) compared with the challenge in fixed time.</summary>
    public static bool Matches(string verifier, string challenge)
    {
        var computed = Encoding.ASCII.GetBytes(Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
        return CryptographicOperations.FixedTimeEquals(computed, Encoding.ASCII.GetBytes(challenge));
    }
}
