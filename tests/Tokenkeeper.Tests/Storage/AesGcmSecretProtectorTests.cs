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
}
