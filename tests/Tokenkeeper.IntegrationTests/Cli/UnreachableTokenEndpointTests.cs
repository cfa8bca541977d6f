using System.Net;
using System.Net.Sockets;
using Tokenkeeper.Simulator;
using SyncHarness = Tokenkeeper.IntegrationTests.Sync.SyncHarness;

namespace Tokenkeeper.IntegrationTests.Cli;

/// <summary>
/// A token endpoint nobody listens on (issue 13, item 2): the real <c>tokenkeeper sync</c> fails at the first token request
/// instead of retrying the step for half a minute, and its message names the connection and the token endpoint's URL, not the
/// API's. The step is not retried: the only waits are the refresh cycle's own attempts (at most
/// <c>RefreshConstants.DefaultMaxAttempts</c>, 3.5 s of back-off between them), which keeps the run under 5 s.
/// </summary>
public sealed class UnreachableTokenEndpointTests : IAsyncLifetime
{
    private SyncHarness _harness = null!;
    private string _closed = null!;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync(new SimulatorOptions { Contacts = 100 });
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        _closed = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/oauth/token";
        listener.Stop();
        await _harness.WriteJobAsync(change: job => job["connections"]![SyncHarness.SourceConnection]!["tokenEndpoint"] = _closed);
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task A_closed_token_endpoint_fails_the_run_at_once_naming_the_token_endpoint_and_the_connection()
    {
        var result = await _harness.RunSyncAsync("--json");

        Assert.True(result.ExitCode == 4, result.ToString());
        Assert.Equal("failed", (string?)result.Json["status"]);
        Assert.Equal(0, (long)result.Json["retries"]!);
        Assert.Contains($"Connection 'legacy-crm' cannot reach its token endpoint {_closed}", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("ConnectionRefused", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("/api/contacts", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, _harness.Simulator.GetStats().ApiRequests);
    }
}
