using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Tokenkeeper.IntegrationTests.Simulator;

/// <summary>PKCE values as a client computes them (RFC 7636).</summary>
internal static class Pkce
{
    public static string NewVerifier() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static string Challenge(string verifier) => Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
}
