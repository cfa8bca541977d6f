using System.Security.Cryptography;
using System.Text;

namespace Tokenkeeper.IntegrationTests.Support;

/// <summary>
/// A receiver's own check of a Standard Webhooks signature, written from the specification and independent of the library's
/// <c>WebhookVerifier</c>: the key is the base64 after <c>whsec_</c>; the signed content is <c>{webhook-id}.{webhook-timestamp}.{body}</c>;
/// <c>webhook-signature</c> holds space-separated <c>v1,{base64 HMAC-SHA256}</c> entries, any one of which may match.
/// </summary>
internal static class StandardWebhooksCheck
{
    public static bool Verify(string secret, string id, string timestamp, string signatureHeader, byte[] body)
    {
        if (!secret.StartsWith("whsec_", StringComparison.Ordinal) || id.Length == 0 || timestamp.Length == 0)
        {
            return false;
        }

        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var content = Encoding.UTF8.GetBytes(id + "." + timestamp + ".").Concat(body).ToArray();
        var expected = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, content));
        return signatureHeader.Split(' ').Any(candidate => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(candidate), Encoding.ASCII.GetBytes(expected)));
    }

    /// <summary>A fresh secret in the <c>whsec_</c> form, made here (not by the library).</summary>
    public static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
}
