using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Tokenkeeper.Protocol;

/// <summary>Builds signed JWT assertions: <c>private_key_jwt</c> client authentication and the JWT-bearer grant (RFC 7523).</summary>
internal static class JwtAssertion
{
    /// <summary>Creates a compact JWS with <c>iss</c>, <c>sub</c>, <c>aud</c>, <c>jti</c>, <c>iat</c>, <c>exp</c> and any extra claims.</summary>
    /// <param name="key">The signing key.</param>
    /// <param name="issuer">The <c>iss</c> claim (the client id for client authentication).</param>
    /// <param name="subject">The <c>sub</c> claim (the client id, or the user for the JWT-bearer grant).</param>
    /// <param name="audience">The <c>aud</c> claim: the token endpoint URL or the issuer.</param>
    /// <param name="now">The current time.</param>
    /// <param name="lifetime">How long the assertion is valid.</param>
    /// <param name="extraClaims">More string claims (such as <c>scope</c>).</param>
    public static string Create(ClientSigningKey key, string issuer, string subject, string audience, DateTimeOffset now, TimeSpan lifetime, IReadOnlyDictionary<string, string>? extraClaims = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        var header = new Dictionary<string, string> { ["alg"] = key.Algorithm, ["typ"] = "JWT" };
        if (key.KeyId is not null)
        {
            header["kid"] = key.KeyId;
        }

        using var payloadStream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(payloadStream))
        {
            writer.WriteStartObject();
            writer.WriteString("iss", issuer);
            writer.WriteString("sub", subject);
            writer.WriteString("aud", audience);
            writer.WriteString("jti", Guid.NewGuid().ToString("N"));
            writer.WriteNumber("iat", now.ToUnixTimeSeconds());
            writer.WriteNumber("exp", (now + lifetime).ToUnixTimeSeconds());
            foreach (var (name, value) in extraClaims ?? new Dictionary<string, string>())
            {
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
        }

        var signingInput = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(header)) + "." + Base64Url.EncodeToString(payloadStream.ToArray());
        var data = Encoding.ASCII.GetBytes(signingInput);
        var signature = key.Key switch
        {
            RSA rsa => rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            ECDsa ec => ec.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation),
            _ => throw new NotSupportedException("Client signing keys must be RSA or ECDSA."),
        };
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }
}
