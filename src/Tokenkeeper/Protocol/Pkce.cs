using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Tokenkeeper.Protocol;

/// <summary>A PKCE pair (RFC 7636): keep <see cref="Verifier"/> secret until the code exchange; send <see cref="Challenge"/> with method S256.</summary>
/// <param name="Verifier">43 characters of base64url from 32 random bytes.</param>
/// <param name="Challenge">BASE64URL(SHA256(verifier)).</param>
internal sealed record Pkce(string Verifier, string Challenge)
{
    /// <summary>The only challenge method Tokenkeeper uses.</summary>
    public const string Method = "S256";

    /// <summary>Creates a fresh pair from a cryptographic random number generator.</summary>
    public static Pkce Create()
    {
        var verifier = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        return new Pkce(verifier, ChallengeOf(verifier));
    }

    /// <summary>The S256 challenge of a verifier.</summary>
    public static string ChallengeOf(string verifier) => Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
}
