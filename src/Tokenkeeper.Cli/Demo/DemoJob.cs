using System.Net.Http.Json;
using System.Text.Json;
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

    /// <summary><c>POST /sim/grants</c>: a fresh grant's refresh token.</summary>
    private static async Task<string> StartGrantAsync(HttpClient http, SimulatorServer simulator, string scope)
    {
        using var response = await http.PostAsJsonAsync(new Uri(simulator.BaseAddress, "sim/grants"), new { client_id = ClientId, user = User, scope }).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync().ConfigureAwait(false));
        return body.RootElement.GetProperty("refresh_token").GetString()
            ?? throw new InvalidOperationException("The simulator started a grant without a refresh token.");
    }

    public static async Task<JobFile> CreateAsync(SimulatorServer simulator, string storePath)
    {
        // Over HTTP, as any staging setup would start its grants (no browser needed).
        using var http = new HttpClient();
        var read = await StartGrantAsync(http, simulator, ReadScope).ConfigureAwait(false);
        var write = await StartGrantAsync(http, simulator, WriteScope).ConfigureAwait(false);
        var origin = "the simulator's /sim/grants";
        return new JobFile
        {
            Path = "(demo)",
            StorePath = storePath,
            Connections =
            [
                Connection(Source, "generic", simulator, read, ReadScope),
                Connection(Destination, "zendesk-sell", simulator, write, WriteScope),
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

        // What the demo's provider does: single-use refresh tokens with reuse detection and a reuse interval, inside which an
        // answer lost after the provider rotated (a drop-after fault) may be recovered with the same refresh token.
        Rotation = Connections.RefreshTokenRotation.ReuseDetection,
        RotationGrace = CliConstants.DemoReuseInterval,
        IntrospectionEndpoint = new Uri(simulator.BaseAddress, "oauth/introspect"),
        TokenEndpoint = simulator.TokenEndpoint,
        ClientId = ClientId,
        ClientSecret = ClientSecret,
        RefreshToken = refreshToken,
        Scope = scope,
    }.ToDefinition(id);
}
