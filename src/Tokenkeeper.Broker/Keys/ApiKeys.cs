using System.Security.Cryptography;
using System.Text;

namespace Tokenkeeper.Broker.Keys;

/// <summary>Token service keys: <c>tk_</c> and 32 random bytes (base64url), shown once; stores keep only the SHA-256.</summary>
internal static class ApiKeys
{
    /// <summary>The prefix of every key, so a leaked one is recognisable (and secret scanners can match it).</summary>
    public const string Prefix = "tk_";

    /// <summary>The random bytes of a key: 32.</summary>
    public const int KeyBytes = 32;

    /// <summary>A new key.</summary>
    public static string Generate() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(KeyBytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>What a store keeps of <paramref name="key"/>: its SHA-256, lower-case hex.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>Whether <paramref name="text"/> looks like a key at all (before it is looked up).</summary>
    public static bool LooksLikeKey(string? text) => text is { Length: > 3 and < 200 } && text.StartsWith(Prefix, StringComparison.Ordinal);
}
