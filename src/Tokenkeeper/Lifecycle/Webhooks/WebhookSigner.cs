using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Tokenkeeper.Lifecycle;

/// <summary>Standard Webhooks signatures: <c>v1,</c> and the base64 HMAC-SHA256, keyed with a secret, of
/// <c>{webhook-id}.{webhook-timestamp}.{body}</c>.</summary>
internal static class WebhookSigner
{
    /// <summary>The signature scheme's version tag.</summary>
    public const string Version = "v1";

    /// <summary>The <c>webhook-signature</c> header value: one signature per secret, separated by spaces, in the secrets' order.</summary>
    public static string Sign(IReadOnlyList<WebhookSecret> secrets, string id, long timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        var signatures = new string[secrets.Count];
        for (var i = 0; i < secrets.Count; i++)
        {
            signatures[i] = Version + "," + Convert.ToBase64String(Compute(secrets[i], id, timestamp.ToString(CultureInfo.InvariantCulture), body));
        }

        return string.Join(' ', signatures);
    }

    /// <summary>The HMAC-SHA256 of <c>id.timestamp.body</c> under <paramref name="secret"/>, with the timestamp exactly as sent.</summary>
    public static byte[] Compute(WebhookSecret secret, string id, string timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{id}.{timestamp}.");
        var content = ArrayPool<byte>.Shared.Rent(prefix.Length + body.Length);
        try
        {
            prefix.CopyTo(content, 0);
            body.CopyTo(content.AsSpan(prefix.Length));
            return HMACSHA256.HashData(secret.Key, content.AsSpan(0, prefix.Length + body.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(content, clearArray: true);
        }
    }
}
