using System.Security.Cryptography;

namespace Tokenkeeper.Simulator;

/// <summary>The kinds of public key a client may register, and their import from PEM.</summary>
internal static class ClientKeys
{
    public static bool TryValidate(string pem, out string problem)
    {
        problem = string.Empty;
        if (Kind(pem) is not null)
        {
            return true;
        }

        problem = "is not an RSA or EC P-256 public key in PEM form (-----BEGIN PUBLIC KEY-----)";
        return false;
    }

    /// <summary>"RS256" for an RSA key, "ES256" for an EC P-256 key, null for anything else.</summary>
    public static string? Kind(string pem)
    {
        try
        {
            using var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            return "RS256";
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
        }

        try
        {
            using var ec = ECDsa.Create();
            ec.ImportFromPem(pem);
            return ec.ExportParameters(false).Curve.Oid.Value == ECCurve.NamedCurves.nistP256.Oid.Value ? "ES256" : null;
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            return null;
        }
    }

    /// <summary>Verifies an RS256 or ES256 signature over <paramref name="data"/> with the PEM key.</summary>
    public static bool Verify(string pem, string algorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        try
        {
            switch (algorithm)
            {
                case "RS256":
                    using (var rsa = RSA.Create())
                    {
                        rsa.ImportFromPem(pem);
                        return rsa.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                    }

                case "ES256":
                    using (var ec = ECDsa.Create())
                    {
                        ec.ImportFromPem(pem);
                        return ec.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
                    }

                default:
                    return false;
            }
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            return false;
        }
    }
}
