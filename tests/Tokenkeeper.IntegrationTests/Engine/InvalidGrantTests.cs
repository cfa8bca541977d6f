using System.Net;
using Tokenkeeper.Connections;
using Tokenkeeper.IntegrationTests.Support;
using Tokenkeeper.Protocol;
using Tokenkeeper.Simulator;
using Tokenkeeper.Storage;
using Tokenkeeper.Tokens;
using Tokenkeeper.Events;

namespace Tokenkeeper.IntegrationTests.Engine;

/// <summary>Issue 3, item 4: <c>invalid_grant</c> after a peer rotated first adopts the peer's tokens; after a real revocation
/// the connection needs re-authorisation, keeps its stored tokens, and is not refreshed again until re-authorised.</summary>
public sealed class InvalidGrantTests
{
    [Fact]
    public async Task InvalidGrant_BecauseAPeerRotatedFirst_AdoptsThePeersTokens()
    {
        await using var h = await EngineHarness.StartAsync(new SimulatorOptions { AccessTtl = TimeSpan.FromMinutes(30), Rotation = RotationMode.Rotate });
        var store = new PeerRacingStore(h.OpenStore());
        var manager = h.CreateManager(store);
        var (definition, grant) = await h.NewConnectionAsync("crm");
        await manager.RegisterAsync(definition);
        TokenSet? peerTokens = null;

        // Right after our manager records its intent, and before it sends the refresh token, a peer that ignored the lease
        // (as one whose lease lapsed in a long GC pause would) spends the same refresh token and commits the rotated pair.
        store.BeforeRefreshIsSent = async record =>
        {
            var peer = new TokenEndpointClient(new HttpClient(), h.Clock);
            var result = await peer.RequestTokenAsync(new TokenEndpointRequest
            {
                Endpoint = h.Simulator.TokenEndpoint,
                Client = new ClientIdentity { ClientId = EngineHarness.ClientId, Secret = new ClientSecret(EngineHarness.ClientSecret) },
                Grant = OAuthGrantType.RefreshToken,
                RefreshToken = record.Tokens!.RefreshToken,
            });
            peerTokens = result.Tokens!;
            h.Remember(peerTokens.AccessToken.Value);
            h.Remember(peerTokens.RefreshToken!.Value.Value);
            var committed = await store.Inner.CommitAsync(new ConnectionCommit(record with { Tokens = peerTokens, PendingRefresh = null, RefreshTokenGeneration = record.RefreshTokenGeneration + 1 }, record.Version));
            Assert.True(committed.Succeeded);
        };

        var token = await manager.GetAccessTokenAsync("crm");

        var stats = h.Simulator.GetStats();
        var stored = await store.GetAsync("crm");
        Assert.Equal(1, stats.RefreshTokenReuseAttempts);
        Assert.Equal(peerTokens!.AccessToken, token.Token);
        Assert.Equal(peerTokens.RefreshToken, stored!.Tokens!.RefreshToken);
        Assert.Equal(ConnectionState.Active, stored.Status.State);
        Assert.Equal(1, manager.Metrics.Adoptions);
        Assert.NotEqual(grant.RefreshToken, stored.Tokens.RefreshToken!.Value.Value);
        h.AssertNoSecretLeaked();
    }

    [Fact]
    public async Task InvalidGrant_AfterARealRevocation_ReconnectRequired_TokensKept_NoFurtherAttempts_UntilReauthorised()
    {
        await using var h = await EngineHarness.StartAsync(new SimulatorOptions { AccessTtl = TimeSpan.FromMinutes(30), Rotation = RotationMode.ReuseDetection });
        var store = h.OpenStore();
        var manager = h.CreateManager(store);
        var (definition, grant) = await h.NewConnectionAsync("crm");
        await manager.RegisterAsync(definition);
        using var api = h.ApiClient(manager, "crm");
        (await api.GetAsync("api/contacts?limit=1")).EnsureSuccessStatusCode();
        var before = await store.GetAsync("crm");
        h.Simulator.RevokeGrant(grant.GrantId);

        var error = await Assert.ThrowsAsync<ReconnectRequiredException>(() => api.GetAsync("api/contacts?limit=1"));

        var after = await store.GetAsync("crm");
        Assert.Equal("crm", error.ConnectionId);
        Assert.Equal(StateReasons.Revoked, error.Reason);
        Assert.Equal(ConnectionState.ReconnectRequired, after!.Status.State);
        Assert.Equal(StateReasons.Revoked, after.Status.Reason);
        Assert.Equal(before!.Tokens, after.Tokens);

        var tokenRequests = h.Simulator.GetStats().TokenRequests;
        for (var i = 0; i < 50; i++)
        {
            h.Clock.Advance(TimeSpan.FromMinutes(10));
            await Assert.ThrowsAsync<ReconnectRequiredException>(() => api.GetAsync("api/contacts?limit=1"));
        }

        Assert.Equal(tokenRequests, h.Simulator.GetStats().TokenRequests);

        var (again, _) = await h.NewConnectionAsync("crm");
        var outcome = await manager.RegisterAsync(again);
        using var response = await api.GetAsync("api/contacts?limit=1");

        Assert.True(outcome.Reauthorized);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ConnectionState.Active, (await store.GetAsync("crm"))!.Status.State);
        h.AssertNoSecretLeaked();
    }

    /// <summary>A real SQLite store with a hook that runs once, just after an intent is committed (before the refresh token is sent).</summary>
    private sealed class PeerRacingStore(ITokenStore inner) : ITokenStore
    {
        public ITokenStore Inner => inner;

        private Func<ConnectionRecord, Task>? _hook;

        /// <summary>Runs once, after the next commit that records a refresh intent.</summary>
        public Func<ConnectionRecord, Task>? BeforeRefreshIsSent
        {
            set => _hook = value;
        }

        public ValueTask<ConnectionRecord?> GetAsync(string connectionId, CancellationToken cancellationToken = default) => inner.GetAsync(connectionId, cancellationToken);

        public ValueTask<IReadOnlyList<ConnectionRecord>> ListAsync(CancellationToken cancellationToken = default) => inner.ListAsync(cancellationToken);

        public ValueTask<bool> DeleteAsync(string connectionId, long expectedVersion, CancellationToken cancellationToken = default) => inner.DeleteAsync(connectionId, expectedVersion, cancellationToken);

        public ValueTask<(ConnectionRecord Record, bool Created)> GetOrCreateAsync(ConnectionRecord record, IReadOnlyList<ConnectionEvent>? events = null, CancellationToken cancellationToken = default) =>
            inner.GetOrCreateAsync(record, events, cancellationToken);

        public async ValueTask<CommitResult> CommitAsync(ConnectionCommit commit, CancellationToken cancellationToken = default)
        {
            var result = await inner.CommitAsync(commit, cancellationToken);
            if (result.Succeeded && commit.Record.PendingRefresh is not null && Interlocked.Exchange(ref _hook, null) is { } hook)
            {
                await hook(commit.Record with { Version = result.Version });
            }

            return result;
        }

        public ValueTask<StoreLease?> TryAcquireLeaseAsync(string connectionId, string owner, TimeSpan duration, CancellationToken cancellationToken = default, string? takeOverFrom = null) =>
            inner.TryAcquireLeaseAsync(connectionId, owner, duration, cancellationToken, takeOverFrom);

        public ValueTask<StoreLease?> GetLeaseAsync(string connectionId, CancellationToken cancellationToken = default) => inner.GetLeaseAsync(connectionId, cancellationToken);

        public ValueTask<StoreLease?> RenewLeaseAsync(StoreLease lease, TimeSpan duration, CancellationToken cancellationToken = default) =>
            inner.RenewLeaseAsync(lease, duration, cancellationToken);

        public ValueTask ReleaseLeaseAsync(StoreLease lease, CancellationToken cancellationToken = default) => inner.ReleaseLeaseAsync(lease, cancellationToken);
    }
}
