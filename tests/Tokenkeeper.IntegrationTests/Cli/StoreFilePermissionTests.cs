using Tokenkeeper.Simulator;
using Tokenkeeper.Sqlite;
using Tokenkeeper.Storage;
using SyncHarness = Tokenkeeper.IntegrationTests.Sync.SyncHarness;

namespace Tokenkeeper.IntegrationTests.Cli;

/// <summary>A store created by the real <c>tokenkeeper</c> process is readable by its owner only, like its key file (issue 13,
/// item 7): the database and the <c>-wal</c> and <c>-shm</c> files SQLite makes beside it.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class StoreFilePermissionTests
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task A_store_created_by_a_sync_and_its_wal_and_shared_memory_files_are_owner_only()
    {
        await using var harness = await SyncHarness.StartAsync(new SimulatorOptions { Contacts = 100 });
        await harness.WriteJobAsync();

        var result = await harness.RunSyncAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(harness.StorePath));

        // Opened again (as a job or the lifecycle service would), SQLite makes its -wal and -shm files from the database's mode.
        using var protector = new AesGcmSecretProtector(Convert.FromBase64String(harness.Key));
        using (var store = new SqliteTokenStore(new SqliteTokenStoreOptions { Path = harness.StorePath, Protector = protector }))
        {
            Assert.NotEmpty(await store.ListAsync());
            foreach (var companion in new[] { harness.StorePath + "-wal", harness.StorePath + "-shm" })
            {
                Assert.True(File.Exists(companion), $"{companion} was not created");
                Assert.Equal(OwnerOnly, File.GetUnixFileMode(companion));
            }
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }
}
