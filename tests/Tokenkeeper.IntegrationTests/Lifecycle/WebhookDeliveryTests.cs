using Microsoft.Extensions.Time.Testing;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Tokenkeeper.Connections;
using Tokenkeeper.IntegrationTests.Support;
using Tokenkeeper.Lifecycle;
using Tokenkeeper.Storage;
using Tokenkeeper.Events;

namespace Tokenkeeper.IntegrationTests.Lifecycle;

/// <summary>Alerts delivered to a real HTTP receiver on loopback: signed per Standard Webhooks (checked by the receiver's own
/// implementation), retried with the same id and fresh timestamps, dead-lettered, durable across a crash.</summary>
public sealed class WebhookDeliveryTests : IAsyncLifetime
{
    private static readonly string Secret = StandardWebhooksCheck.NewSecret();
    private static readonly string NextSecret = StandardWebhooksCheck.NewSecret();
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
    public async Task Delivered_AsJson_SignedPerStandardWebhooks_OverIdTimestampAndBody()
    {
        var dispatcher = Dispatcher(out _);
        var e = ReconnectEvent();
        await _store.EnqueueAsync([e]);

        await dispatcher.DispatchAsync(CancellationToken.None);

        var received = Assert.Single(_receiver.Requests);
        Assert.True(received.SignedWith(Secret), received.Signature);
        Assert.False(received.SignedWith(StandardWebhooksCheck.NewSecret()));
        Assert.StartsWith("v1,", received.Signature, StringComparison.Ordinal);
        Assert.Equal(_clock.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), received.Timestamp);
        Assert.Equal("", received.LegacySignature); // X-Tokenkeeper-Signature is gone
        using var json = JsonDocument.Parse(received.Body);
        var root = json.RootElement;
        Assert.Equal(e.Id.ToString(), root.GetProperty("id").GetString());
        Assert.Equal("reconnect_required", root.GetProperty("type").GetString());
        Assert.Equal("crm", root.GetProperty("connection_id").GetString());
        Assert.Equal("credential", root.GetProperty("cause").GetString());
        Assert.Equal(StateReasons.Revoked, root.GetProperty("reason").GetString());
        Assert.Equal("https://broker.example/connections/crm/reconnect", root.GetProperty("reconnect_url").GetString());
        Assert.Equal("reconnect_required", received.EventType);
        Assert.Equal(e.Id.ToString(), received.DeliveryId);
    }

    [Fact]
    public async Task DuringARotation_EachDeliveryCarriesASignaturePerSecret_SoAReceiverWithEitherVerifiesIt()
    {
        var dispatcher = Dispatcher(out _, secrets: [Secret, NextSecret]);
        await _store.EnqueueAsync([ReconnectEvent()]);

        await dispatcher.DispatchAsync(CancellationToken.None);

        var received = Assert.Single(_receiver.Requests);
        Assert.Equal(2, received.Signature.Split(' ').Length);
        Assert.True(received.SignedWith(Secret)); // a receiver not yet moved to the new secret
        Assert.True(received.SignedWith(NextSecret)); // a receiver already moved
        Assert.False(received.SignedWith(StandardWebhooksCheck.NewSecret()));
    }

    [Fact]
    public async Task EachRetryOfOneEvent_CarriesTheSameWebhookId_AndAFreshTimestamp_SignedAfresh()
    {
        var dispatcher = Dispatcher(out var hook);
        await _store.EnqueueAsync([ReconnectEvent()]);
        _receiver.Status = 500;

        await dispatcher.DispatchAsync(CancellationToken.None);
        _clock.Advance(hook.BackoffBase);
        await dispatcher.DispatchAsync(CancellationToken.None);
        _clock.Advance(hook.BackoffBase * 2);
        _receiver.Status = 200;
        await dispatcher.DispatchAsync(CancellationToken.None);

        var attempts = _receiver.Requests.ToList();
        Assert.Equal(3, attempts.Count);
        Assert.Single(attempts.Select(r => r.DeliveryId).Distinct());
        Assert.Equal(3, attempts.Select(r => r.Timestamp).Distinct().Count());
        Assert.All(attempts, r => Assert.True(r.SignedWith(Secret)));
        Assert.Single(attempts.Select(r => r.Text).Distinct()); // the body is the event, unchanged

        // A captured attempt replayed later fails a receiver's timestamp check; the library's verifier says so.
        var verifier = new WebhookVerifier([WebhookSecret.Parse(Secret)], _clock);
        var first = attempts[0];
        _clock.Advance(TimeSpan.FromMinutes(10));
        var replay = Assert.Throws<WebhookVerificationException>(() => verifier.Verify(first.DeliveryId, first.Timestamp, first.Signature, first.Body));
        Assert.Equal(WebhookVerificationFailure.StaleTimestamp, replay.Failure);
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

    private EventDispatcher Dispatcher(out WebhookOptions hook, int maxAttempts = LifecycleConstants.WebhookMaxAttempts, string[]? secrets = null)
    {
        hook = new WebhookOptions { Name = "ops", Url = _receiver.Url, MaxAttempts = maxAttempts };
        foreach (var secret in secrets ?? [Secret])
        {
            hook.Secrets.Add(WebhookSecret.Parse(secret));
        }

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
        Cause = FailureCause.Credential,
        Reason = StateReasons.Revoked,
        Detail = "the grant was revoked",
    };
}
