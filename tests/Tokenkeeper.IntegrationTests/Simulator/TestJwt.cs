using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Tokenkeeper.IntegrationTests.Simulator;

/// <summary>Builds RS256/ES256 client assertions the way a client library would (RFC 7523).</summary>
internal static class TestJwt
{
    public static string Sign(AsymmetricAlgorithm key, IReadOnlyDictionary<string, object?> claims)
    {
        var algorithm = key is RSA ? "RS256" : "ES256";
        var header = Encode(new Dictionary<string, object?> { ["alg"] = algorithm, ["typ"] = "JWT" });
        var input = header + "." + Encode(claims);
        var data = Encoding.ASCII.GetBytes(input);
        var signature = key switch
        {
            RSA rsa => rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            ECDsa ec => ec.SignData(data, HashAlgorithmName.SHA256),
            _ => throw new ArgumentException("unsupported key", nameof(key)),
        };
        return input + "." + Base64Url.EncodeToString(signature);
    }

    public static Dictionary<string, object?> Claims(string issuer, string subject, string audience, DateTimeOffset now, TimeSpan? lifetime = null) => new()
    {
        ["iss"] = issuer,
        ["sub"] = subject,
        ["aud"] = audience,
        ["iat"] = now.ToUnixTimeSeconds(),
        ["exp"] = (now + (lifetime ?? TimeSpan.FromMinutes(5))).ToUnixTimeSeconds(),
        ["jti"] = Guid.NewGuid().ToString("N"),
    };

    public static JsonElement Payload(string jwt) =>
        JsonDocument.Parse(Base64Url.DecodeFromChars(jwt.Split('.')[1])).RootElement;

    public static JsonElement Header(string jwt) =>
        JsonDocument.Parse(Base64Url.DecodeFromChars(jwt.Split('.')[0])).RootElement;

    private static string Encode(object value) => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(value));
}
