using System.Net;
using Tokenkeeper.Connections;
using Tokenkeeper.IntegrationTests.Support;
using Tokenkeeper.Simulator;

namespace Tokenkeeper.IntegrationTests.Engine;

/// <summary>
/// DESIGN.md contract 10 after a record has lived a while: several rotations, a failed refresh, a disable and an enable. Every
/// token the token endpoint ever issued to the engine — the live rotated refresh token included — is searched for in the log
/// lines and in the SQLite files, the WAL (which holds every version written since the last checkpoint) included.
/// </summary>
public sealed class SecretsAtRestTests
{
    private const int Rotations = 6;
    private const string Id = "crm";

    [Fact]
    public async Task AfterRotationsAndUpdates_NoIssuedToken_LiveOrPast_IsInTheLogsOrTheSqliteFiles_WalIncluded()
    {
        await using var h = await EngineHarness.StartAsync(new SimulatorOptions { AccessTtl = TimeSpan.FromMinutes(10), Rotation = RotationMode.Rotate, Seed = 13 });
        var manager = h.CreateManager(h.OpenStore(), o => o.MaxAttempts = 1);

        // Other test classes call SqliteConnection.ClearAllPools(), which is process-wide: it closes this store's pooled
        // connections too, and the last close checkpoints the WAL away. An unpooled connection held open keeps the WAL, with
        // every version written, until the scan below has read it.
        using var pin = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={h.StorePath};Pooling=False");
        pin.Open();
        using (var touch = pin.CreateCommand())
        {
            // SQLite opens the file lazily: only a statement makes this connection one the last close must wait for.
            touch.CommandText = "SELECT count(*) FROM sqlite_master";
            touch.ExecuteScalar();
        }
        var (definition, grant) = await h.NewConnectionAsync(Id);
        await manager.RegisterAsync(definition);
        using var api = h.ApiClient(manager, Id);

        for (var i = 0; i < Rotations; i++)
        {
            await manager.RefreshAsync(Id);
            using var response = await api.GetAsync("api/contacts?limit=1");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            h.Clock.Advance(TimeSpan.FromMinutes(1));
        }

        h.Simulator.Options.Faults = ["503"];
        h.Simulator.Options.FaultRate = 1;
        await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => manager.RefreshAsync(Id));
        Assert.Equal(ConnectionState.Degraded, (await manager.GetConnectionAsync(Id))!.Status.State);
        h.Simulator.Options.FaultRate = 0;
        h.Clock.Advance(TimeSpan.FromMinutes(1));
        await manager.RefreshAsync(Id);
        await manager.DisableAsync(Id, "maintenance");
        await manager.EnableAsync(Id);
        using (var last = await api.GetAsync("api/contacts?limit=1"))
        {
            Assert.Equal(HttpStatusCode.OK, last.StatusCode);
        }

        // Every refresh token the provider issued reached the search list, the live one included.
        var record = (await manager.GetConnectionAsync(Id))!;
        var live = record.Tokens!.RefreshToken!.Value.Value;
        Assert.NotEqual(grant.RefreshToken, live);
        Assert.Equal(Rotations + 1, h.Simulator.GetStats().RefreshesServed);
        Assert.Equal(Rotations + 1, h.IssuedRefreshTokens.Count);
        Assert.Contains(live, h.IssuedRefreshTokens.Keys);
        Assert.Contains(record.Tokens.AccessToken.Value, h.IssuedAccessTokens.Keys);
        Assert.True(record.Version > Rotations * 2, $"the record went through only {record.Version} versions");

        var scanned = h.AssertNoSecretLeaked();
        pin.Close();
        h.AssertNoSecretLeaked(); // and once every connection is closed and the WAL checkpointed into the database

        Assert.Contains(scanned, f => f.Name == "tokenkeeper.db-wal" && f.Length > 0);
        Assert.Contains(scanned, f => f.Name == "tokenkeeper.db");
    }
}
