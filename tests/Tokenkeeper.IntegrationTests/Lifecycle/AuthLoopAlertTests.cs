using System.Net;
using System.Text.Json;
using Tokenkeeper.Diagnostics;
using Tokenkeeper.Http;
using Tokenkeeper.IntegrationTests.Support;
using Tokenkeeper.Lifecycle;
using Tokenkeeper.Refresh;
using Tokenkeeper.Simulator;
using Tokenkeeper.Events;

namespace Tokenkeeper.IntegrationTests.Lifecycle;

/// <summary>
/// An auth loop: the resource API keeps rejecting tokens the token endpoint keeps issuing (the simulator revokes every access
/// token its API sees, <see cref="SimulatorOptions.RevokeRate"/> = 1, with <c>WWW-Authenticate: Bearer error="invalid_token"</c>).
/// A 401 that persists after the refresh and replay writes an <c>auth_loop</c> event into the store's outbox, at most one per
/// connection per <see cref="RefreshConstants.AuthLoopAlertInterval"/>, delivered signed to a webhook.
/// </summary>
public sealed class AuthLoopAlertTests
{
    private const string Id = "crm";
    private static readonly string Secret = StandardWebhooksCheck.NewSecret();

    [Fact]
    public async Task RejectedAgainAfterARefresh_WritesAnAuthLoopEvent_ThenNoneWithinTheHour_AndOneWhenTheHourIsUp()
    {
        await using var h = await EngineHarness.StartAsync(new SimulatorOptions { RevokeRate = 1 });
        var store = h.OpenStore();
        var manager = h.CreateManager(store);
        var (definition, _) = await h.NewConnectionAsync(Id);
        await manager.RegisterAsync(definition);
        var wire = new Wire(h);
        using var api = new HttpClient(new TokenkeeperHandler(manager, Id) { InnerHandler = wire }) { BaseAddress = h.Simulator.BaseAddress };
        var interval = RefreshConstants.AuthLoopAlertInterval;

        await manager.GetAccessTokenAsync(Id);
        var first = await LoopAsync(h, api, wire);
        var firstAt = h.Clock.GetUtcNow();
        var afterFirst = await AuthLoopsAsync(store);
        h.Clock.Advance(interval - TimeSpan.FromMinutes(1));
        var withinTheHour = await LoopAsync(h, api, wire);
        var afterSecond = await AuthLoopsAsync(store);
        h.Clock.SetUtcNow(firstAt + interval);
        var third = await LoopAsync(h, api, wire);
        var thirdAt = h.Clock.GetUtcNow();
        var afterThird = await AuthLoopsAsync(store);

        var alert = Assert.Single(afterFirst);
        Assert.Equal((ConnectionEventTypes.AuthLoop, Id, firstAt), (alert.Type, alert.ConnectionId, alert.OccurredAt));
        Assert.Equal("GET /api/contacts was rejected again after a replay with a freshly obtained token", alert.Detail);
        Assert.Equal(TokenFingerprint.Of(first.Replayed), Assert.Single(alert.Data!).Value);
        Assert.Equal("access_token", alert.Data!.Single().Key);
        Assert.Single(afterSecond);
        Assert.Equal(2, afterThird.Count);
        Assert.Equal((firstAt, thirdAt), (afterThird[0].OccurredAt, afterThird[1].OccurredAt));
        Assert.Equal(TokenFingerprint.Of(third.Replayed), afterThird[1].Data!["access_token"]);
        Assert.Equal(1, first.Refreshes);
        foreach (var loop in new[] { first, withinTheHour, third })
        {
            // Each time: rejected, refreshed (later loops also find the cached token near its expiry), replayed with the
            // fresh token, rejected again.
            Assert.Equal(HttpStatusCode.Unauthorized, loop.Status);
            Assert.InRange(loop.Refreshes, 1, 2);
            Assert.NotEqual(loop.Rejected, loop.Replayed);
        }

        Assert.Equal(3, manager.Metrics.AuthLoops);

        // Delivered to a webhook as signed JSON; no token in clear anywhere (events, logs, the store file).
        await using var receiver = await WebhookReceiver.StartAsync();
        var options = new LifecycleOptions();
        var hook = new WebhookOptions { Url = receiver.Url };
        hook.Secrets.Add(WebhookSecret.Parse(Secret));
        options.Webhooks.Add(hook);
        var service = new LifecycleService(manager, options);
        await service.Dispatcher!.DispatchAsync(CancellationToken.None);
        var delivered = receiver.Requests.Where(r => r.EventType == ConnectionEventTypes.AuthLoop).ToList();
        Assert.Equal([alert.Id.ToString(), afterThird[1].Id.ToString()], delivered.Select(r => r.DeliveryId));
        Assert.All(delivered, r => Assert.True(r.SignedWith(Secret)));
        using var json = JsonDocument.Parse(delivered[0].Body);
        Assert.Equal(ConnectionEventTypes.AuthLoop, json.RootElement.GetProperty("type").GetString());
        Assert.Equal(Id, json.RootElement.GetProperty("connection_id").GetString());
        Assert.Equal(TokenFingerprint.Of(first.Replayed), json.RootElement.GetProperty("data").GetProperty("access_token").GetString());
        var tokens = new[] { first, withinTheHour, third }.SelectMany(l => new[] { l.Rejected, l.Replayed }).ToArray();
        Assert.All(receiver.Requests, r => Assert.All(tokens, t => Assert.DoesNotContain(t, r.Text, StringComparison.Ordinal)));
        h.AssertNoSecretLeaked(tokens);
    }

    private static async Task<Loop> LoopAsync(EngineHarness h, HttpClient api, Wire wire)
    {
        wire.Clear();
        var refreshesBefore = h.Simulator.GetStats().RefreshesServed;
        using var response = await api.GetAsync("api/contacts?limit=1");
        var sent = wire.Snapshot();
        Assert.Equal(2, sent.Count);
        Assert.All(sent, s => Assert.Equal(HttpStatusCode.Unauthorized, s.Status));
        Assert.All(sent, s => Assert.Contains("error=\"invalid_token\"", s.Challenge, StringComparison.Ordinal));
        return new Loop(response.StatusCode, sent[0].Token, sent[1].Token, (int)(h.Simulator.GetStats().RefreshesServed - refreshesBefore));
    }

    private static async Task<List<ConnectionEvent>> AuthLoopsAsync(IEventOutbox outbox) =>
        [.. (await outbox.ReadAsync(Id)).Select(e => e.Event).Where(e => e.Type == ConnectionEventTypes.AuthLoop)];

    private sealed record Loop(HttpStatusCode Status, string Rejected, string Replayed, int Refreshes);

    /// <summary>Below the Tokenkeeper handler: each request's bearer token (remembered as a secret) and the answer's status and challenge.</summary>
    private sealed class Wire(EngineHarness harness) : DelegatingHandler(new SocketsHttpHandler())
    {
        private readonly List<(string Token, HttpStatusCode Status, string Challenge)> _sent = [];

        public void Clear()
        {
            lock (_sent)
            {
                _sent.Clear();
            }
        }

        public List<(string Token, HttpStatusCode Status, string Challenge)> Snapshot()
        {
            lock (_sent)
            {
                return [.. _sent];
            }
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var token = request.Headers.Authorization?.Parameter ?? "";
            harness.Remember(token);
            var response = await base.SendAsync(request, cancellationToken);
            lock (_sent)
            {
                _sent.Add((token, response.StatusCode, string.Join(", ", response.Headers.WwwAuthenticate)));
            }

            return response;
        }
    }
}
