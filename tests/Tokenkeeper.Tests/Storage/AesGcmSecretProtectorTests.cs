using System.Security.Cryptography;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Tests.Storage;

public sealed class AesGcmSecretProtectorTests
{
    private static readonly byte[] KeyA = RandomNumberGenerator.GetBytes(32);
    private static readonly byte[] KeyB = RandomNumberGenerator.GetBytes(32);

    [Fact]
    public void Protect_ThenUnprotect_RoundTrips_AndHidesThePlaintext()
    {
        using var protector = new AesGcmSecretProtector(KeyA);

        var sealedValue = protector.Protect("refresh-token-value", "crm", "refresh_token");

        Assert.DoesNotContain("refresh-token-value", sealedValue, StringComparison.Ordinal);
        Assert.StartsWith($"tk1.{protector.KeyId}.", sealedValue, StringComparison.Ordinal);
        Assert.Equal("refresh-token-value", protector.Unprotect(sealedValue, "crm", "refresh_token"));
    }

    [Fact]
    public void Protect_SameValueTwice_GivesDifferentCiphertexts()
    {
        using var protector = new AesGcmSecretProtector(KeyA);

        Assert.NotEqual(protector.Protect("x", "crm", "f"), protector.Protect("x", "crm", "f"));
    }

    [Theory]
    [InlineData("other-connection", "refresh_token")]
    [InlineData("crm", "access_token")]
    public void Unprotect_MovedToAnotherConnectionOrField_Fails(string connection, string field)
    {
        using var protector = new AesGcmSecretProtector(KeyA);
        var sealedValue = protector.Protect("secret", "crm", "refresh_token");

        Assert.Throws<SecretProtectionException>(() => protector.Unprotect(sealedValue, connection, field));
    }

    [Fact]
    public void Unprotect_TamperedCiphertext_Fails()
    {
        using var protector = new AesGcmSecretProtector(KeyA);
        var sealedValue = protector.Protect("secret", "crm", "f");
        var tampered = sealedValue[..^2] + (sealedValue[^2] == 'A' ? "B" : "A") + sealedValue[^1];

        Assert.Throws<SecretProtectionException>(() => protector.Unprotect(tampered, "crm", "f"));
    }

    [Fact]
    public void Unprotect_WithOnlyAnotherKey_FailsNamingTheMissingKey()
    {
        using var writer = new AesGcmSecretProtector(KeyA);
        using var reader = new AesGcmSecretProtector(KeyB);
        var sealedValue = writer.Protect("secret", "crm", "f");

        var error = Assert.Throws<SecretProtectionException>(() => reader.Unprotect(sealedValue, "crm", "f"));
        Assert.Contains(writer.KeyId, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KeyRotation_NewKeyEncrypts_OldKeyStillDecrypts()
    {
        using var before = new AesGcmSecretProtector(KeyA);
        using var after = new AesGcmSecretProtector(KeyB, KeyA);
        var old = before.Protect("old", "crm", "f");

        Assert.Equal("old", after.Unprotect(old, "crm", "f"));
        Assert.StartsWith($"tk1.{AesGcmSecretProtector.KeyIdOf(KeyB)}.", after.Protect("new", "crm", "f"), StringComparison.Ordinal);
    }

    [Fact]
    public void Create_WithShortKey_IsAConfigurationError()
    {
        Assert.Throws<TokenkeeperConfigurationException>(() => new AesGcmSecretProtector(new byte[16]));
    }

    /// <summary>Found while testing issue 15: one store (and its protector) serves every connection of a process, and a lifecycle
    /// pass or a sync refreshes several at once. An <see cref="AesGcm"/> instance is not thread-safe on Linux: used from several
    /// threads at once it failed with "cipher operation failed" or a tag mismatch reported as a wrong key, and an encryption could
    /// be corrupted on its way into the store.</summary>
    [Fact]
    public void UsedFromManyThreadsAtOnce_EveryValueRoundTrips()
    {
        using var protector = new AesGcmSecretProtector(KeyA);
        var sealedValues = Enumerable.Range(0, 64).Select(i => protector.Protect($"refresh-token-{i}", $"c{i}", "refresh_token")).ToArray();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();

        Parallel.For(0, 200_000, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(4, Environment.ProcessorCount * 2) }, i =>
        {
            var n = i % sealedValues.Length;
            try
            {
                if (protector.Unprotect(sealedValues[n], $"c{n}", "refresh_token") != $"refresh-token-{n}"
                    || protector.Unprotect(protector.Protect($"value-{i}", "crm", "access_token"), "crm", "access_token") != $"value-{i}")
                {
                    failures.Add($"{i}: wrong value");
                }
            }
            catch (Exception ex) when (ex is CryptographicException or SecretProtectionException)
            {
                failures.Add($"{i}: {ex.Message}");
            }
        });

        Assert.True(failures.IsEmpty, $"{failures.Count} failures, e.g. {failures.FirstOrDefault()}");
    }
}
