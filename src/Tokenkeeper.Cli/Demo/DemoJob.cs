using Tokenkeeper.Hosting;
using Tokenkeeper.Simulator;
using Tokenkeeper.Sync;

namespace Tokenkeeper.Cli.Demo;

/// <summary>The demo's job: the seed scenario of the first user story, legacy CRM to Zendesk Sell in batches of 500,
/// with both connections bootstrapped from grants started at the simulator (<c>/sim/grants</c>).</summary>
internal static class DemoJob
{
    public const string Source = "legacy-crm";
    public const string Destination = "zendesk";
    private const string ClientId = "demo-client";
    private const string ClientSecret = "demo-secret";
    private const string User = "test-user";
    private const string ReadScope = "contacts:read";
    private const string WriteScope = "contacts:write";

    public static async Task<JobFile> CreateAsync(SimulatorServer simulator, string storePath)
    {
        var read = await simulator.CreateGrantAsync(ClientId, User, ReadScope).ConfigureAwait(false);
        var write = await simulator.CreateGrantAsync(ClientId, User, WriteScope).ConfigureAwait(false);
        var origin = "the simulator's /sim/grants";
        return new JobFile
        {
            Path = "(demo)",
            StorePath = storePath,
            Connections =
            [
                Connection(Source, "generic", simulator, read.RefreshToken, ReadScope),
                Connection(Destination, "zendesk-sell", simulator, write.RefreshToken, WriteScope),
            ],
            RefreshTokenOrigins = new Dictionary<string, string>(StringComparer.Ordinal) { [Source] = origin, [Destination] = origin },
            Job = new SyncJob
            {
                Id = CliConstants.DemoJobId,
                Source = new SyncSource
                {
                    ConnectionId = Source,
                    Url = new Uri(simulator.BaseAddress, "api/contacts"),
                    Pagination = PaginationMode.Cursor,
                    CursorField = "next_cursor",
                    CursorParam = "cursor",
                    LimitParam = "limit",
                    PageSize = CliConstants.DemoPageSize,
                    TotalField = "total",
                },
                Destination = new SyncDestination
                {
                    ConnectionId = Destination,
                    Url = new Uri(simulator.BaseAddress, "api/contacts/batch"),
                    BatchSize = CliConstants.DemoBatchSize,
                },
            },
        };
    }

    private static Refresh.ConnectionDefinition Connection(string id, string provider, SimulatorServer simulator, string? refreshToken, string scope) => new ConnectionOptions
    {
        Provider = provider,
        TokenEndpoint = simulator.TokenEndpoint,
        ClientId = ClientId,
        ClientSecret = ClientSecret,
        RefreshToken = refreshToken,
        Scope = scope,
    }.ToDefinition(id);
}
