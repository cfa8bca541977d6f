using System.Security.Cryptography;
using System.Text;

namespace Tokenkeeper.Lifecycle;

/// <summary>The <c>X-Tokenkeeper-Signature</c> of a webhook body: <c>sha256=</c> and the hex HMAC-SHA256 of the exact body bytes.</summary>
public static class WebhookSignature
{
    /// <summary>The header name.</summary>
    public const string Header = "X-Tokenkeeper-Signature";

    /// <summary>Computes the header value.</summary>
    public static string Compute(string secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>Checks a received header value in constant time (for receivers).</summary>
    public static bool Verify(string secret, ReadOnlySpan<byte> body, string? header) =>
        header is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Compute(secret, body)), Encoding.ASCII.GetBytes(header));
}
