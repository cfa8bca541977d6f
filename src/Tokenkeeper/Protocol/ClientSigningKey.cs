using System.Security.Cryptography;

namespace Tokenkeeper.Protocol;

/// <summary>A private key that signs <c>private_key_jwt</c> client assertions and JWT-bearer grant assertions.</summary>
/// <param name="Key">An <see cref="RSA"/> key (RS256) or a P-256 <see cref="ECDsa"/> key (ES256).</param>
/// <param name="KeyId">The <c>kid</c> header, if the provider needs one.</param>
internal sealed record ClientSigningKey(AsymmetricAlgorithm Key, string? KeyId = null)
{
    /// <summary>The JWS algorithm the key signs with: <c>RS256</c> or <c>ES256</c>.</summary>
    public string Algorithm => Key switch
    {
        RSA => "RS256",
        ECDsa { KeySize: 256 } => "ES256",
        _ => throw new NotSupportedException("Client signing keys must be RSA (RS256) or ECDSA P-256 (ES256)."),
    };

    /// <summary>Loads a PEM private key (PKCS#8, PKCS#1 or SEC1).</summary>
    public static ClientSigningKey FromPem(string pem, string? keyId = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pem);
        if (pem.Contains("EC PRIVATE KEY", StringComparison.Ordinal))
        {
            var ec = ECDsa.Create();
            ec.ImportFromPem(pem);
            return new ClientSigningKey(ec, keyId);
        }

        try
        {
            var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            return new ClientSigningKey(rsa, keyId);
        }
        catch (CryptographicException)
        {
            var ec = ECDsa.Create();
            ec.ImportFromPem(pem);
            return new ClientSigningKey(ec, keyId);
        }
    }
}
