using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Tokenkeeper.Storage;

/// <summary>
/// AES-256-GCM field encryption. Output: <c>tk1.{keyId}.{base64url(nonce ‖ ciphertext ‖ tag)}</c>; the associated data is
/// the connection id and field name, so a ciphertext cannot be moved to another connection or field. Several keys may be
/// loaded for rotation: the first encrypts, any decrypts by key id. Safe to share between threads: an <see cref="AesGcm"/>
/// instance is not (on Linux it holds one OpenSSL cipher context, and two threads in it at once fail with "cipher operation
/// failed" or a tag mismatch that reads as a wrong key), so each key's cipher is used by one thread at a time.
/// </summary>
public sealed class AesGcmSecretProtector : ISecretProtector, IDisposable
{
    private const string Prefix = "tk1";
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly (string Id, AesGcm Cipher, Lock Gate)[] _keys;

    /// <summary>Creates a protector. The first key encrypts; all of them decrypt.</summary>
    /// <exception cref="TokenkeeperConfigurationException">No key, or a key that is not 32 bytes.</exception>
    public AesGcmSecretProtector(params ReadOnlySpan<byte[]> keys)
    {
        if (keys.Length == 0)
        {
            throw new TokenkeeperConfigurationException("No encryption key was given.");
        }

        _keys = new (string, AesGcm, Lock)[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            if (keys[i].Length != StorageConstants.KeySizeBytes)
            {
                throw new TokenkeeperConfigurationException($"Encryption keys must be {StorageConstants.KeySizeBytes} bytes (base64 of 32 random bytes); key {i + 1} is {keys[i].Length}.");
            }

            _keys[i] = (KeyIdOf(keys[i]), new AesGcm(keys[i], TagSize), new Lock());
        }
    }

    /// <summary>The id of the key that encrypts: 8 hex digits of the key's SHA-256 (not reversible).</summary>
    public string KeyId => _keys[0].Id;

    /// <summary>The key id of a key.</summary>
    public static string KeyIdOf(byte[] key) => Convert.ToHexStringLower(SHA256.HashData(key), 0, 4);

    /// <inheritdoc />
    public string Protect(string plaintext, string connectionId, string field)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        var (id, cipher, gate) = _keys[0];
        var data = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[NonceSize + data.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        lock (gate)
        {
            cipher.Encrypt(nonce, data, output.AsSpan(NonceSize, data.Length), output.AsSpan(NonceSize + data.Length), AssociatedData(connectionId, field));
        }

        CryptographicOperations.ZeroMemory(data);
        return $"{Prefix}.{id}.{Base64Url.EncodeToString(output)}";
    }

    /// <inheritdoc />
    public string Unprotect(string protectedValue, string connectionId, string field)
    {
        ArgumentNullException.ThrowIfNull(protectedValue);
        var parts = protectedValue.Split('.');
        if (parts.Length != 3 || parts[0] != Prefix)
        {
            throw new SecretProtectionException($"Stored {field} of connection '{connectionId}' is not in the tk1 format.");
        }

        var (_, cipher, gate) = Array.Find(_keys, k => k.Id == parts[1]);
        _ = cipher ?? throw new SecretProtectionException($"Stored {field} of connection '{connectionId}' was encrypted with key {parts[1]}, which is not loaded (loaded: {string.Join(", ", _keys.Select(k => k.Id))}).");
        byte[] input;
        try
        {
            input = Base64Url.DecodeFromChars(parts[2]);
        }
        catch (FormatException ex)
        {
            throw new SecretProtectionException($"Stored {field} of connection '{connectionId}' is corrupt.", ex);
        }

        if (input.Length < NonceSize + TagSize)
        {
            throw new SecretProtectionException($"Stored {field} of connection '{connectionId}' is truncated.");
        }

        var length = input.Length - NonceSize - TagSize;
        var plain = new byte[length];
        try
        {
            lock (gate)
            {
                cipher.Decrypt(input.AsSpan(0, NonceSize), input.AsSpan(NonceSize, length), input.AsSpan(NonceSize + length), plain, AssociatedData(connectionId, field));
            }

            return Encoding.UTF8.GetString(plain);
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new SecretProtectionException($"Stored {field} of connection '{connectionId}' failed authentication: wrong key or altered data.", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (_, cipher, _) in _keys)
        {
            cipher.Dispose();
        }
    }

    private static byte[] AssociatedData(string connectionId, string field) => Encoding.UTF8.GetBytes($"tokenkeeper/v1|{connectionId}|{field}");
}
