namespace Tokenkeeper.Storage;

/// <summary>Encrypts secret fields before a store persists them (DESIGN.md contract 10).</summary>
public interface ISecretProtector
{
    /// <summary>Encrypts <paramref name="plaintext"/>, binding it to <paramref name="connectionId"/> and <paramref name="field"/>
    /// (a ciphertext moved to another connection or field fails to decrypt).</summary>
    string Protect(string plaintext, string connectionId, string field);

    /// <summary>Decrypts what <see cref="Protect"/> produced.</summary>
    /// <exception cref="SecretProtectionException">Wrong key, tampered data, or a ciphertext from another connection or field.</exception>
    string Unprotect(string protectedValue, string connectionId, string field);
}
