using System.Security.Cryptography;

namespace Tokenkeeper.Storage;

/// <summary>
/// Finds the key that encrypts a persistent store: <c>TOKENKEEPER_KEY</c> (base64 of 32 bytes; several keys separated by
/// commas, the first encrypting), else the file named by <c>TOKENKEEPER_KEY_FILE</c> or given explicitly.
/// </summary>
public static class EncryptionKeys
{
    /// <summary>Loads the keys from the environment or <paramref name="keyFile"/>.</summary>
    /// <exception cref="TokenkeeperConfigurationException">No key anywhere, or a malformed key: the message says how to make one.</exception>
    public static AesGcmSecretProtector Load(string? keyFile = null)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(StorageConstants.KeyEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return new AesGcmSecretProtector([.. Parse(fromEnvironment, StorageConstants.KeyEnvironmentVariable)]);
        }

        var path = keyFile ?? Environment.GetEnvironmentVariable(StorageConstants.KeyFileEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(path))
        {
            if (!File.Exists(path))
            {
                throw new TokenkeeperConfigurationException($"The key file '{path}' does not exist. {HowToMakeKey}");
            }

            return new AesGcmSecretProtector([.. Parse(File.ReadAllText(path), path)]);
        }

        throw new TokenkeeperConfigurationException($"A persistent token store needs an encryption key and none is set. {HowToMakeKey}");
    }

    /// <summary>Loads <paramref name="keyFile"/>, creating it with a fresh random key (owner-only permissions) when it does
    /// not exist. For the demo and local experiments. Returns whether a key was created.</summary>
    public static (AesGcmSecretProtector Protector, bool Created) LoadOrCreate(string keyFile)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyFile);
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(StorageConstants.KeyEnvironmentVariable)) || File.Exists(keyFile))
        {
            return (Load(keyFile), false);
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(keyFile));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(keyFile, options))
        {
            writer.Write(NewKey());
        }

        return (Load(keyFile), true);
    }

    /// <summary>A fresh random key, base64.</summary>
    public static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(StorageConstants.KeySizeBytes));

    private const string HowToMakeKey = "Set TOKENKEEPER_KEY to 32 random bytes in base64 (for example: openssl rand -base64 32), or TOKENKEEPER_KEY_FILE to a file holding one.";

    private static IEnumerable<byte[]> Parse(string value, string source)
    {
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            byte[] key;
            try
            {
                key = Convert.FromBase64String(part);
            }
            catch (FormatException ex)
            {
                throw new TokenkeeperConfigurationException($"The encryption key in {source} is not base64. {HowToMakeKey}", ex);
            }

            if (key.Length != StorageConstants.KeySizeBytes)
            {
                throw new TokenkeeperConfigurationException($"The encryption key in {source} is {key.Length} bytes; it must be {StorageConstants.KeySizeBytes}. {HowToMakeKey}");
            }

            yield return key;
        }
    }

    /// <summary>What to tell a person whose key does not open a store: what the protector found (<paramref name="detail"/>
    /// names the key id the secret was encrypted with and the ids loaded), that nothing changed, where keys come from
    /// (<paramref name="keyFileSources"/>: the ways this program names a key file), and how to give two while rotating.</summary>
    internal static string MismatchAdvice(string detail, string keyFileSources) =>
        $"the store's secrets cannot be decrypted with the key given: {detail} Nothing was changed. Supply the key the store was "
        + $"written with: {StorageConstants.KeyEnvironmentVariable} (base64), or a key file ({keyFileSources}); "
        + $"{StorageConstants.KeyEnvironmentVariable} wins when both are set. To move to a new key, give both, comma-separated, "
        + $"new first ({StorageConstants.KeyEnvironmentVariable}=NEW,OLD): the first encrypts, every one decrypts.";
}
