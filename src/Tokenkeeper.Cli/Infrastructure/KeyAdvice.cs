using Tokenkeeper.Storage;

namespace Tokenkeeper.Cli.Infrastructure;

/// <summary>What to tell a person whose key does not open the store: which key it needs (from the exception, which names the key
/// id the secret was encrypted with and the ids loaded), how keys are supplied, and how to give several while rotating.</summary>
internal static class KeyAdvice
{
    public static string Explain(SecretProtectionException exception)
    {
        var advice = EncryptionKeys.MismatchAdvice(
            exception.Message, $"--key-file, the job file's \"keyFile\", or {StorageConstants.KeyFileEnvironmentVariable}");
        return char.ToUpperInvariant(advice[0]) + advice[1..]; // a sentence of its own here, after "Connection 'x': " in the library
    }
}
