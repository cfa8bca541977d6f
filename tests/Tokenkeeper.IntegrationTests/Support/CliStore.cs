using Tokenkeeper.Connections;
using Tokenkeeper.Hosting;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;
using Tokenkeeper.Simulator;
using Tokenkeeper.Sqlite;
using Tokenkeeper.Storage;
using Tokenkeeper.Events;

namespace Tokenkeeper.IntegrationTests.Support;

/// <summary>An encrypted SQLite store file that tests prepare for <c>tokenkeeper</c> processes and read back afterwards.</summary>
internal sealed class CliStore(string path, string key)
{
    public string Path { get; } = path;

    /// <summary>Registers <paramref name="id"/> with a fresh simulator grant (demo-client, contacts:read) as if authorised at
    /// <paramref name="authorizedAt"/>; returns the grant.</summary>
    public async Task<GrantTokens> RegisterAsync(SimulatorServer simulator, string id, ProviderProfile profile, DateTimeOffset authorizedAt)
    {
        var grant = await simulator.CreateGrantAsync("demo-client", "test-user", "contacts:read");
        using var protector = new AesGcmSecretProtector(Convert.FromBase64String(key));
        using var store = new SqliteTokenStore(new SqliteTokenStoreOptions { Path = Path, Protector = protector });
        using var http = new HttpClient();
        await using var manager = new TokenManager(store, new TokenEndpointClient(http));
        var definition = new ConnectionOptions
        {
            Provider = profile.Name,
            TokenEndpoint = simulator.TokenEndpoint,
            ClientId = "demo-client",
            ClientSecret = "demo-secret",
            RefreshToken = grant.RefreshToken,
        }.ToDefinition(id) with { AuthorizedAt = authorizedAt };
        await manager.RegisterAsync(definition);
        return grant;
    }

    /// <summary>Every event in the store's outbox, with its deliveries.</summary>
    public IReadOnlyList<OutboxEntry> Outbox()
    {
        using var protector = new AesGcmSecretProtector(Convert.FromBase64String(key));
        using var store = new SqliteTokenStore(new SqliteTokenStoreOptions { Path = Path, Protector = protector });
        return store.ReadAsync().AsTask().GetAwaiter().GetResult();
    }
}
