using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Tokenkeeper.Diagnostics;
using Tokenkeeper.Events;

namespace Tokenkeeper.Lifecycle;

/// <summary>
/// Delivers outbox events: to the log once each, and to every webhook as a JSON POST signed per Standard Webhooks, retried with
/// exponential backoff and dead-lettered after <see cref="WebhookOptions.MaxAttempts"/>. An event is delivered at least once; every
/// attempt carries the same <c>webhook-id</c> (the event's id) and a fresh <c>webhook-timestamp</c>, so receivers drop duplicates
/// by id and refuse stale replays by timestamp.
/// </summary>
internal sealed class EventDispatcher
{
    private readonly IEventOutbox _outbox;
    private readonly LifecycleOptions _options;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SortedSet<DateTimeOffset> _retries = [];
    private readonly Lock _gate = new();

    /// <summary>Creates a dispatcher.</summary>
    public EventDispatcher(IEventOutbox outbox, LifecycleOptions options, HttpClient http, TimeProvider timeProvider, ILogger logger)
    {
        _outbox = outbox ?? throw new ArgumentNullException(nameof(outbox));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _http = http ?? throw new ArgumentNullException(nameof(http));
        _time = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>The earliest scheduled webhook retry, if any.</summary>
    public DateTimeOffset? NextRetryAt
    {
        get
        {
            lock (_gate)
            {
                _retries.RemoveWhere(t => t <= _time.GetUtcNow());
                return _retries.Count > 0 ? _retries.Min : null;
            }
        }
    }

    /// <summary>Delivers every due event to every sink. Returns how many deliveries succeeded.</summary>
    public async Task<int> DispatchAsync(CancellationToken cancellationToken)
    {
        var delivered = 0;
        var now = _time.GetUtcNow();
        foreach (var pending in await _outbox.ClaimDueAsync(LifecycleConstants.LogSink, now, LifecycleConstants.OutboxBatchSize, LifecycleConstants.OutboxClaimFor, cancellationToken).ConfigureAwait(false))
        {
            var e = pending.Event;
            var summary = EventSummary.Describe(e, now);
            if (e.Type == ConnectionEventTypes.ReconnectRequired)
            {
                Log.EventDeliveredError(_logger, e.ConnectionId, e.Type, summary, ReconnectUrl(e) ?? "none configured (lifecycle run --reconnect-url)");
            }
            else
            {
                Log.EventDelivered(_logger, e.ConnectionId, e.Type, summary);
            }

            await _outbox.CompleteDeliveryAsync(pending.Sequence, LifecycleConstants.LogSink, now, cancellationToken).ConfigureAwait(false);
            delivered++;
        }

        foreach (var hook in _options.Webhooks)
        {
            var due = await _outbox.ClaimDueAsync(hook.Name, now, LifecycleConstants.OutboxBatchSize, LifecycleConstants.OutboxClaimFor, cancellationToken).ConfigureAwait(false);
            foreach (var pending in due)
            {
                delivered += await DeliverAsync(hook, pending, cancellationToken).ConfigureAwait(false) ? 1 : 0;
            }
        }

        return delivered;
    }

    /// <summary>The JSON body posted for an event (snake_case; no token or secret ever appears in an event).</summary>
    public byte[] Payload(ConnectionEvent connectionEvent)
    {
        ArgumentNullException.ThrowIfNull(connectionEvent);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", connectionEvent.Id);
            writer.WriteString("type", connectionEvent.Type);
            writer.WriteString("connection_id", connectionEvent.ConnectionId);
            writer.WriteString("occurred_at", connectionEvent.OccurredAt.ToString("O", CultureInfo.InvariantCulture));
            writer.WriteString("timestamp", connectionEvent.OccurredAt.ToString("O", CultureInfo.InvariantCulture));
            WriteOptional(writer, "state", connectionEvent.State);
            if (connectionEvent.Cause is { } cause)
            {
                writer.WriteString("cause", FailureCauses.Name(cause));
            }
            else
            {
                writer.WriteNull("cause");
            }

            WriteOptional(writer, "reason", connectionEvent.Reason);
            WriteOptional(writer, "detail", connectionEvent.Detail);
            WriteOptional(writer, "reconnect_url", ReconnectUrl(connectionEvent));
            writer.WriteStartObject("data");
            foreach (var (key, value) in connectionEvent.Data ?? new Dictionary<string, string>())
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private async Task<bool> DeliverAsync(WebhookOptions hook, PendingDelivery pending, CancellationToken cancellationToken)
    {
        var body = Payload(pending.Event);
        var id = DeliveryId(pending.Event);
        var timestamp = _time.GetUtcNow().ToUnixTimeSeconds(); // per attempt: a retry is signed afresh, a replay goes stale
        using var request = new HttpRequestMessage(HttpMethod.Post, hook.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add(WebhookHeaders.Id, id);
        request.Headers.Add(WebhookHeaders.Timestamp, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookHeaders.Signature, WebhookSigner.Sign([.. hook.Secrets], id, timestamp, body));
        request.Headers.Add(WebhookHeaders.EventType, pending.Event.Type);
        request.Headers.Add(WebhookHeaders.Attempt, pending.Attempt.ToString(CultureInfo.InvariantCulture));
        string failure;
        try
        {
            using var timeout = new CancellationTokenSource(hook.Timeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            using var response = await _http.SendAsync(request, linked.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                await _outbox.CompleteDeliveryAsync(pending.Sequence, hook.Name, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
                return true;
            }

            failure = $"HTTP {(int)response.StatusCode}";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            failure = $"no answer within {hook.Timeout.TotalSeconds:0} s";
        }
        catch (HttpRequestException ex)
        {
            failure = $"unreachable ({ex.HttpRequestError})";
        }

        var now = _time.GetUtcNow();
        if (pending.Attempt >= hook.MaxAttempts)
        {
            Log.WebhookDeadLettered(_logger, hook.Name, pending.Event.ConnectionId, pending.Event.Type, pending.Attempt, failure);
            await _outbox.FailDeliveryAsync(pending.Sequence, hook.Name, failure, null, now, cancellationToken).ConfigureAwait(false);
            return false;
        }

        var wait = TimeSpan.FromTicks(Math.Min(hook.BackoffBase.Ticks * (1L << Math.Min(pending.Attempt - 1, 30)), hook.BackoffMax.Ticks));
        var retryAt = now + wait;
        Log.WebhookFailed(_logger, hook.Name, pending.Event.ConnectionId, pending.Event.Type, pending.Attempt, failure, retryAt);
        await _outbox.FailDeliveryAsync(pending.Sequence, hook.Name, failure, retryAt, now, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _retries.Add(retryAt);
        }

        return false;
    }

    /// <summary>The <c>webhook-id</c> of an event: its id (also the body's <c>id</c>), the same on every attempt.</summary>
    public static string DeliveryId(ConnectionEvent connectionEvent) => connectionEvent.Id.ToString();

    private string? ReconnectUrl(ConnectionEvent e) =>
        _options.ReconnectUrlTemplate is { } template && (e.Type == ConnectionEventTypes.ReconnectRequired || e.State == nameof(Connections.ConnectionState.ReconnectRequired))
            ? template.Replace("{connection}", Uri.EscapeDataString(e.ConnectionId), StringComparison.Ordinal)
            : null;

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }
}
