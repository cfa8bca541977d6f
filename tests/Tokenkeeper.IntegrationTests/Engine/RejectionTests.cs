using System.Net;
using Tokenkeeper.IntegrationTests.Support;
using Tokenkeeper.Protocol;
using Tokenkeeper.Simulator;

namespace Tokenkeeper.IntegrationTests.Engine;

/// <summary>Issue 3, item 3: a 401 causes one refresh and one replay; a 401 on a token already replaced causes no refresh.</summary>
public sealed class RejectionTests
{
    [Fact]
    public async Task RandomRevocations_EachFirstRejectionCausesExactlyOneRefreshAndOneReplay()
    {
        await using var h = await EngineHarness.StartAsync(new SimulatorOptions { AccessTtl = TimeSpan.FromHours(1), RevokeRate = 0.1, Seed = 3 });
        var manager = h.CreateManager(h.OpenStore());
        var (definition, _) = await h.NewConnectionAsync("crm");
        await manager.RegisterAsync(definition);
        var attempts = new AttemptRecorder();
        using var api = h.ApiClient(manager, "crm");
        using var recorded = new HttpClient(new Http.TokenkeeperHandler(manager, "crm") { InnerHandler = attempts }) { BaseAddress = h.Simulator.BaseAddress };
        await recorded.GetAsync("api/contacts?limit=1");

        var rejectedFirst = 0;
        for (var i = 0; i < 200; i++)
        {
            h.Clock.Advance(TimeSpan.FromSeconds(1));
            attempts.Clear();
            var refreshesBefore = h.Simulator.GetStats().RefreshesServed;

            using var response = await recorded.GetAsync("api/contacts?limit=1");

            var refreshes = h.Simulator.GetStats().RefreshesServed - refreshesBefore;
            var sent = attempts.Snapshot();
            if (sent[0].Status == HttpStatusCode.Unauthorized)
            {
                rejectedFirst++;
                Assert.Equal(2, sent.Count);
                Assert.NotEqual(sent[0].Token, sent[1].Token);
                Assert.Equal(1, refreshes);
                Assert.Equal(sent[1].Status, response.StatusCode);
            }
            else
            {
                Assert.Single(sent);
                Assert.Equal(0, refreshes);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }

        Assert.True(rejectedFirst >= 5, $"only {rejectedFirst} revocations happened: the test proved little");
        h.AssertNoSecretLeaked();
    }

    [Fact]
    public async Task RejectionOfATokenAPeerAlreadyReplaced_ReplaysWithThePeersToken_WithoutRefreshing()
    {
        await using var h = await EngineHarness.StartAsync(new SimulatorOptions { AccessTtl = TimeSpan.FromHours(1), Rotation = RotationMode.ReuseDetection });
        var store = h.OpenStore();
        var stale = h.CreateManager(store);
        var peer = h.CreateManager(store);
        var (definition, _) = await h.NewConnectionAsync("crm");
        await stale.RegisterAsync(definition);
        using var api = h.ApiClient(stale, "crm");
        var old = await stale.GetAccessTokenAsync("crm");
        var replaced = await peer.RefreshAsync("crm");
        var revocation = new TokenEndpointClient(new HttpClient(), h.Clock);
        var client = new ClientIdentity { ClientId = EngineHarness.ClientId, Secret = new Tokens.ClientSecret(EngineHarness.ClientSecret) };
        Assert.Null(await revocation.RevokeAsync(new Uri(h.Simulator.BaseAddress, "oauth/revoke"), client, old.Token.Value, "access_token"));
        var before = h.Simulator.GetStats();

        using var response = await api.GetAsync("api/contacts?limit=1");

        var after = h.Simulator.GetStats();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(before.UnauthorizedServed + 1, after.UnauthorizedServed);
        Assert.Equal(before.RefreshesServed, after.RefreshesServed);
        Assert.Equal(replaced.Token, (await stale.GetAccessTokenAsync("crm")).Token);
        Assert.Equal(0, after.RefreshTokenReuseAttempts);
        h.AssertNoSecretLeaked([old.Token.Value, replaced.Token.Value]);
    }

    /// <summary>Records each attempt the handler sends (the token it carried and the status it got), below the handler.</summary>
    private sealed class AttemptRecorder : DelegatingHandler
    {
        private readonly List<(string Token, HttpStatusCode Status)> _attempts = [];

        public AttemptRecorder()
            : base(new SocketsHttpHandler())
        {
        }

        public void Clear()
        {
            lock (_attempts)
            {
                _attempts.Clear();
            }
        }

        public List<(string Token, HttpStatusCode Status)> Snapshot()
        {
            lock (_attempts)
            {
                return [.. _attempts];
            }
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            lock (_attempts)
            {
                _attempts.Add((request.Headers.Authorization?.Parameter ?? "", response.StatusCode));
            }

            return response;
        }
    }
}
