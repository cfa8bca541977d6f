using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Tokenkeeper.Simulator;

/// <summary>
/// Signs JWT access tokens: HS256 with a key derived from the seed (fast; the default) or RS256 with a key made at
/// first use and published by <c>/.well-known/jwks.json</c>.
/// </summary>
internal sealed class JwtSigner(SimulatorRuntime runtime)
{
    public const string HmacKeyId = "sim-hs256";
    public const string RsaKeyId = "sim-rs256";

    private readonly Lazy<RSAParameters> _rsaParameters = new(CreateRsaKey);
    private ThreadLocal<RSA>? _rsa;
    private HmacKeyForSeed? _hmac;

    /// <summary>The RSA public key, created if needed (for the JWKS document).</summary>
    public RSAParameters RsaPublicKey
    {
        get
        {
            var parameters = _rsaParameters.Value;
            return new RSAParameters { Modulus = parameters.Modulus, Exponent = parameters.Exponent };
        }
    }

    public bool HasRsaKey => _rsaParameters.IsValueCreated;

    public string Issue(AccessTokenRecord record, string jti)
    {
        var algorithm = runtime.Options.JwtSigningAlgorithm;
        var clock = runtime.Clock;
        var header = algorithm == JwtSigningAlgorithm.RS256
            ? """{"alg":"RS256","typ":"at+jwt","kid":"sim-rs256"}"""u8
            : """{"alg":"HS256","typ":"at+jwt","kid":"sim-hs256"}"""u8;
        var payload = JsonBody.Build((runtime, record, jti, clock), static (w, s) =>
        {
            w.WriteStartObject();
            w.WriteString("iss", s.runtime.Issuer);
            w.WriteString("sub", s.record.Subject);
            w.WriteString("aud", s.runtime.ApiAudience);
            w.WriteEpoch("exp", s.clock.Shown(s.record.ExpiresAt));
            w.WriteEpoch("iat", s.clock.Shown(s.record.IssuedAt));
            w.WriteString("scope", s.record.Scope);
            w.WriteString("jti", s.jti);
            w.WriteString("client_id", s.record.Client.ClientId);
            w.WriteEndObject();
        });

        var text = new StringBuilder(Base64Url.GetEncodedLength(header.Length) + Base64Url.GetEncodedLength(payload.Length) + 360);
        text.Append(Base64Url.EncodeToString(header)).Append('.').Append(Base64Url.EncodeToString(payload));
        var signingInput = Encoding.ASCII.GetBytes(text.ToString());
        var signature = algorithm == JwtSigningAlgorithm.RS256
            ? Rsa().SignData(signingInput, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : HMACSHA256.HashData(HmacKey(), signingInput);
        return text.Append('.').Append(Base64Url.EncodeToString(signature)).ToString();
    }

    /// <summary>Writes the JWKS document: the RSA key when one exists or RS256 is the algorithm, else no keys.</summary>
    public byte[] JwksBody()
    {
        var publish = HasRsaKey || runtime.Options.JwtSigningAlgorithm == JwtSigningAlgorithm.RS256;
        RSAParameters? key = publish ? RsaPublicKey : null;
        return JsonBody.Build(key, static (w, k) =>
        {
            w.WriteStartObject();
            w.WriteStartArray("keys");
            if (k is { } p)
            {
                w.WriteStartObject();
                w.WriteString("kty", "RSA");
                w.WriteString("use", "sig");
                w.WriteString("alg", "RS256");
                w.WriteString("kid", RsaKeyId);
                w.WriteString("n", Base64Url.EncodeToString(p.Modulus));
                w.WriteString("e", Base64Url.EncodeToString(p.Exponent));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>This thread's copy of the signing key (an RSA instance is not shared between threads).</summary>
    private RSA Rsa() =>
        LazyInitializer.EnsureInitialized(ref _rsa, () => new ThreadLocal<RSA>(() => ImportRsa(_rsaParameters.Value))).Value!;

    private byte[] HmacKey()
    {
        var seed = runtime.Options.Seed;
        var cached = _hmac;
        if (cached is not null && cached.Seed == seed)
        {
            return cached.Key;
        }

        var key = SHA256.HashData(Encoding.UTF8.GetBytes("tokenkeeper-simulator-hs256:" + seed.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        _hmac = new HmacKeyForSeed(seed, key);
        return key;
    }

    /// <summary>The HS256 key of one seed, swapped as a whole.</summary>
    private sealed record HmacKeyForSeed(int Seed, byte[] Key);

    private static RSAParameters CreateRsaKey()
    {
        using var rsa = RSA.Create(2048);
        return rsa.ExportParameters(includePrivateParameters: true);
    }

    private static RSA ImportRsa(RSAParameters parameters)
    {
        var rsa = RSA.Create();
        rsa.ImportParameters(parameters);
        return rsa;
    }
}
