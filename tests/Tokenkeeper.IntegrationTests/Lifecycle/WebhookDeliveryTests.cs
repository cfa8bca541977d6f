using Microsoft.Extensions.Time.Testing;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Tokenkeeper.Connections;
using Tokenkeeper.IntegrationTests.Support;
using Tokenkeeper.Lifecycle;
using Tokenkeeper.Storage;
using Tokenkeeper.Events;

namespace Tokenkeeper.IntegrationTests.Lifecycle;

/// <summary>Alerts delivered to a real HTTP receiver on loopback: signed, retried, dead-lettered, durable across a crash.</summary>
public sealed class WebhookDeliveryTests : IAsyncLifetime
{
    private const string Secret = "webhook-signing-key";
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly InMemoryTokenStore _store;
    private readonly HttpClient _http = new();
    private WebhookReceiver _receiver = null!;

    public WebhookDeliveryTests() => _store = new InMemoryTokenStore(_clock);

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task Delivered_AsJson_SignedWithHmacSha256OfTheBody()
    {
        var dispatcher = Dispatcher(out _);
        var e = ReconnectEvent();
        await _store.EnqueueAsync([e]);

        await dispatcher.DispatchAsync(CancellationToken.None);

        var received = Assert.Single(_receiver.Requests);
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), received.Body));
        Assert.Equal(expected, received.Signature);
        Assert.True(WebhookSignature.Verify(Secret, received.Body, received.Signature));
        Assert.False(WebhookSignature.Verify("another key", received.Body, received.Signature));
        using var json = JsonDocument.Parse(received.Body);
        var root = json.RootElement;
        Assert.Equal(e.Id.ToString(), root.GetProperty("id").GetString());
        Assert.Equal("reconnect_required", root.GetProperty("type").GetString());
        Assert.Equal("crm", root.GetProperty("connection_id").GetString());
        Assert.Equal(StateReasons.Revoked, root.GetProperty("reason").GetString());
        Assert.Equal("https://broker.example/connections/crm/reconnect", root.GetProperty("reconnect_url").GetString());
        Assert.Equal("reconnect_required", received.EventType);
        Assert.Equal(e.Id.ToString(), received.DeliveryId);
    }

    [Fact]
    public async Task Receiver500_IsRetriedWithBackoff_UntilAccepted_ThenNeverAgain()
    {
        var dispatcher = Dispatcher(out var hook);
        await _store.EnqueueAsync([ReconnectEvent()]);
        _receiver.Status = 500;

        await dispatcher.DispatchAsync(CancellationToken.None);
        await dispatcher.DispatchAsync(CancellationToken.None);
        _clock.Advance(hook.BackoffBase);
        await dispatcher.DispatchAsync(CancellationToken.None);
        _clock.Advance(hook.BackoffBase * 2);
        _receiver.Status = 200;
        await dispatcher.DispatchAsync(CancellationToken.None);
        _clock.Advance(TimeSpan.FromHours(2));
        await dispatcher.DispatchAsync(CancellationToken.None);

        Assert.Equal([(1, 500), (2, 500), (3, 200)], _receiver.Requests.Select(r => (r.Attempt, r.AnsweredWith)));
        Assert.Single(_receiver.Requests.Select(r => r.DeliveryId).Distinct());
        var delivery = (await _store.ReadAsync()).Single().Deliveries.Single(d => d.Sink == hook.Name);
        Assert.NotNull(delivery.DeliveredAt);
    }

    [Fact]
    public async Task AlwaysFailing_IsDeadLetteredAfterTheLimit_AndNotTriedAgain()
    {
        var dispatcher = Dispatcher(out var hook, maxAttempts: 3);
        await _store.EnqueueAsync([ReconnectEvent()]);
        _receiver.Status = 503;

        for (var i = 0; i < 6; i++)
        {
            await dispatcher.DispatchAsync(CancellationToken.None);
            _clock.Advance(hook.BackoffMax);
        }

        Assert.Equal([1, 2, 3], _receiver.Requests.Select(r => r.Attempt));
        var delivery = (await _store.ReadAsync()).Single().Deliveries.Single(d => d.Sink == hook.Name);
        Assert.NotNull(delivery.DeadLetteredAt);
        Assert.Equal("HTTP 503", delivery.LastError);
        Assert.Null(dispatcher.NextRetryAt);
    }

    [Fact]
    public async Task AnUnreachableWebhook_IsRetriedLikeAFailure()
    {
        var dispatcher = Dispatcher(out var hook);
        await _store.EnqueueAsync([ReconnectEvent()]);
        await _receiver.DisposeAsync();

        await dispatcher.DispatchAsync(CancellationToken.None);

        var delivery = (await _store.ReadAsync()).Single().Deliveries.Single(d => d.Sink == hook.Name);
        Assert.Null(delivery.DeliveredAt);
        Assert.StartsWith("unreachable", delivery.LastError, StringComparison.Ordinal);
        Assert.Equal(_clock.GetUtcNow() + hook.BackoffBase, dispatcher.NextRetryAt);
        _receiver = await WebhookReceiver.StartAsync();
    }

    private EventDispatcher Dispatcher(out WebhookOptions hook, int maxAttempts = LifecycleConstants.WebhookMaxAttempts)
    {
        hook = new WebhookOptions { Name = "ops", Url = _receiver.Url, Secret = Secret, MaxAttempts = maxAttempts };
        var options = new LifecycleOptions { ReconnectUrlTemplate = "https://broker.example/connections/{connection}/reconnect" };
        options.Webhooks.Add(hook);
        options.Validate();
        return new EventDispatcher(_store, options, _http, _clock, NullLogger.Instance);
    }

    private ConnectionEvent ReconnectEvent() => new()
    {
        ConnectionId = "crm",
        Type = ConnectionEventTypes.ReconnectRequired,
        OccurredAt = _clock.GetUtcNow(),
        State = nameof(ConnectionState.ReconnectRequired),
        Reason = StateReasons.Revoked,
        Detail = "the grant was revoked",
    };
}
