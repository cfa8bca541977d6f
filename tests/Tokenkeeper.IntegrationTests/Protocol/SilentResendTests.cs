using Microsoft.Extensions.Time.Testing;
using Tokenkeeper.Protocol;
using Tokenkeeper.Simulator;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.IntegrationTests.Protocol;

/// <summary>
/// SocketsHttpHandler re-sends a request by itself when a reused pooled connection closes before any response byte. For a
/// token endpoint that would spend a single-use refresh token twice behind Tokenkeeper's back. Token requests must therefore
/// never travel on a reused connection (<c>Connection: close</c>, and no pooling in the default handler). Whether the runtime
/// resends depends on how the drop reaches it (FIN or RST); this test guards the property over many rounds.
/// </summary>
public sealed class SilentResendTests
{
    [Fact]
    public async Task DroppedResponse_OnAConnectionThatServedBefore_IsNotResentByTheHttpStack()
    {
        var clock = new FakeTimeProvider();
        await using var simulator = await SimulatorServer.StartAsync(new SimulatorOptions { Rotation = RotationMode.Rotate }, clock);
        using var http = new HttpClient(TokenEndpointClient.CreateDefaultHandler());
        var client = new TokenEndpointClient(http, clock);
        var identity = new ClientIdentity { ClientId = "demo-client", Secret = new ClientSecret("demo-secret") };

        // Many rounds of: a successful request (which leaves a warm pooled connection), then a refresh whose response is lost.
        for (var round = 0; round < 25; round++)
        {
            simulator.Options.FaultRate = 0;
            var warm = await client.RequestTokenAsync(new TokenEndpointRequest { Endpoint = simulator.TokenEndpoint, Client = identity, Grant = OAuthGrantType.ClientCredentials });
            Assert.True(warm.IsSuccess);
            var fresh = await simulator.CreateGrantAsync("demo-client", "test-user", "contacts:read");
            var before = simulator.GetStats().TokenRequests;
            simulator.Options.Faults = ["drop-after"];
            simulator.Options.FaultRate = 1;

            var lost = await client.RequestTokenAsync(new TokenEndpointRequest { Endpoint = simulator.TokenEndpoint, Client = identity, Grant = OAuthGrantType.RefreshToken, RefreshToken = new RefreshToken(fresh.RefreshToken!) });

            Assert.False(lost.IsSuccess);
            Assert.True(lost.Failure!.MaybeProcessed);
            Assert.Equal(before + 1, simulator.GetStats().TokenRequests);
        }

        Assert.Equal(0, simulator.GetStats().RefreshTokenReuseAttempts);
    }
}
