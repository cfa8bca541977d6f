using Tokenkeeper.Simulator;
using Tokenkeeper.Storage;
using SyncHarness = Tokenkeeper.IntegrationTests.Sync.SyncHarness;

namespace Tokenkeeper.IntegrationTests.Cli;

/// <summary>
/// A key that does not open the store (issue 13, item 3) gets the same clear answer from every command of the real
/// <c>tokenkeeper</c> process: exit 2, the key id the store needs, how keys are supplied, and that several can be given while
/// rotating; and the store is left as it was.
/// </summary>
public sealed class WrongKeyTests : IAsyncLifetime
{
    private SyncHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync(new SimulatorOptions { Contacts = 200 });
        await _harness.WriteJobAsync(pageSize: 100, batchSize: 100);
        var first = await _harness.RunSyncAsync();
        Assert.True(first.ExitCode == 0, first.ToString());
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task Sync_with_another_key_exits_two_naming_the_key_the_store_needs_and_how_to_supply_it()
    {
        var storeBefore = await File.ReadAllBytesAsync(_harness.StorePath);
        _harness.Environment["TOKENKEEPER_KEY"] = EncryptionKeys.NewKey(); // wins over the job file's keyFile

        var result = await _harness.RunSyncAsync();

        Assert.Equal(2, result.ExitCode);
        var message = result.Stderr;
        Assert.Contains("The store's secrets cannot be decrypted with the key given", message, StringComparison.Ordinal);
        Assert.Contains($"encrypted with key {KeyId(_harness.Key)}, which is not loaded", message, StringComparison.Ordinal);
        Assert.Contains("TOKENKEEPER_KEY", message, StringComparison.Ordinal);
        Assert.Contains("--key-file", message, StringComparison.Ordinal);
        Assert.Contains("comma-separated, new first", message, StringComparison.Ordinal);
        Assert.DoesNotContain("unexpected error", message, StringComparison.Ordinal);
        Assert.Equal(storeBefore, await File.ReadAllBytesAsync(_harness.StorePath));
    }

    [Theory]
    [InlineData("connections list")]
    [InlineData("connections show crm-read")]
    [InlineData("lifecycle plan")]
    public async Task Every_store_command_with_another_key_gives_the_same_answer(string command)
    {
        _harness.Environment["TOKENKEEPER_KEY"] = EncryptionKeys.NewKey();

        using var process = _harness.Start([.. command.Split(' '), "--store", _harness.StorePath]);
        var result = await process.WaitAsync();

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("The store's secrets cannot be decrypted with the key given", result.Stderr, StringComparison.Ordinal);
        Assert.Contains($"encrypted with key {KeyId(_harness.Key)}", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("comma-separated, new first", result.Stderr, StringComparison.Ordinal);
    }

    private static string KeyId(string key) => AesGcmSecretProtector.KeyIdOf(Convert.FromBase64String(key));
}
