using Tokenkeeper.Storage;

namespace Tokenkeeper.Cli.Infrastructure;

/// <summary>What to tell a person whose key does not open the store: which key it needs (from the exception, which names the key
/// id the secret was encrypted with and the ids loaded), how keys are supplied, and how to give several while rotating.</summary>
internal static class KeyAdvice
{
    public static string Explain(SecretProtectionException exception) =>
        $"The store's secrets cannot be decrypted with the key given: {exception.Message} Nothing was changed. Supply the key the store was "
        + $"written with: {StorageConstants.KeyEnvironmentVariable} (base64), or a key file (--key-file, the job file's \"keyFile\", "
        + $"or {StorageConstants.KeyFileEnvironmentVariable}); {StorageConstants.KeyEnvironmentVariable} wins when both are set. "
        + $"To move to a new key, give both, comma-separated, new first ({StorageConstants.KeyEnvironmentVariable}=NEW,OLD): "
        + "the first encrypts, every one decrypts.";
}
