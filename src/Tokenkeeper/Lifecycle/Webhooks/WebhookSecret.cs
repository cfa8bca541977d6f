using System.Security.Cryptography;
using Tokenkeeper.Diagnostics;

namespace Tokenkeeper.Lifecycle;

/// <summary>
/// A webhook signing key in the Standard Webhooks form: <c>whsec_</c> and the base64 of the key bytes. The key never leaves this
/// object in clear except through <see cref="Encode"/> (for writing it to a file the operator keeps); <see cref="ToString"/> and
/// <see cref="Fingerprint"/> show a one-way fingerprint only.
/// </summary>
public sealed class WebhookSecret
{
    /// <summary>The prefix every secret starts with.</summary>
    public const string Prefix = "whsec_";

    /// <summary>The fewest key bytes accepted: 16 (the Standard Webhooks recommendation is 24 to 64).</summary>
    public const int MinimumKeyBytes = 16;

    /// <summary>The key bytes of a secret made by <see cref="Generate"/>: 32.</summary>
    public const int GeneratedKeyBytes = 32;

    private readonly byte[] _key;

    private WebhookSecret(byte[] key)
    {
        _key = key;
        Fingerprint = TokenFingerprint.Of(Convert.ToBase64String(key));
    }

    /// <summary>A one-way fingerprint of the key, safe to log and show (to tell which secret is which during a rotation).</summary>
    public string Fingerprint { get; }

    /// <summary>The key bytes, for signing and verifying.</summary>
    internal ReadOnlySpan<byte> Key => _key;

    /// <summary>Reads a <c>whsec_…</c> secret.</summary>
    /// <param name="text">The secret.</param>
    /// <param name="origin">Where it came from, for the error message (e.g. <c>line 2 of /etc/tokenkeeper/hooks</c>).</param>
    /// <exception cref="TokenkeeperConfigurationException">It is not one: the message says what is wrong and never repeats the text.</exception>
    public static WebhookSecret Parse(string? text, string origin = "the webhook secret")
    {
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            throw new TokenkeeperConfigurationException($"{origin} is empty: give a webhook secret in the form whsec_<base64 key> (tokenkeeper lifecycle webhook-secret --add FILE makes one).");
        }

        if (!trimmed.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw new TokenkeeperConfigurationException($"{origin} does not start with '{Prefix}': webhook secrets are Standard Webhooks secrets, whsec_ and the base64 of the key (tokenkeeper lifecycle webhook-secret --add FILE makes one).");
        }

        byte[] key;
        try
        {
            key = Convert.FromBase64String(trimmed[Prefix.Length..]);
        }
        catch (FormatException)
        {
            throw new TokenkeeperConfigurationException($"{origin} is not whsec_ followed by base64: the part after '{Prefix}' does not decode.");
        }

        return key.Length >= MinimumKeyBytes
            ? new WebhookSecret(key)
            : throw new TokenkeeperConfigurationException($"{origin} holds a key of {key.Length} bytes; webhook keys need at least {MinimumKeyBytes} (make one with tokenkeeper lifecycle webhook-secret --add FILE).");
    }

    /// <summary>Reads several secrets separated by <paramref name="separators"/> (blank entries and, in a file, lines starting with
    /// <c>#</c> are skipped), in order: the first signs first.</summary>
    /// <exception cref="TokenkeeperConfigurationException">One is not a secret, or there are none.</exception>
    public static IReadOnlyList<WebhookSecret> ParseList(string text, string origin, params char[] separators)
    {
        ArgumentNullException.ThrowIfNull(text);
        var secrets = new List<WebhookSecret>();
        var entries = text.Split(separators.Length == 0 ? ['\n'] : separators);
        for (var i = 0; i < entries.Length; i++)
        {
            var entry = entries[i].Trim();
            if (entry.Length == 0 || entry.StartsWith('#'))
            {
                continue;
            }

            secrets.Add(Parse(entry, $"entry {i + 1} of {origin}"));
        }

        return secrets.Count > 0 ? secrets : throw new TokenkeeperConfigurationException($"{origin} holds no webhook secret: add one (whsec_…) per line.");
    }

    /// <summary>A new random secret of <see cref="GeneratedKeyBytes"/> bytes.</summary>
    public static WebhookSecret Generate() => new(RandomNumberGenerator.GetBytes(GeneratedKeyBytes));

    /// <summary>The secret in its <c>whsec_</c> form, for the file an operator keeps and gives the receiver. Never log it.</summary>
    public string Encode() => Prefix + Convert.ToBase64String(_key);

    /// <summary>The fingerprint (never the key).</summary>
    public override string ToString() => Fingerprint;
}
