using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Tokenkeeper.IntegrationTests.Support;

/// <summary>A real HTTP receiver on loopback that records each webhook request and answers with a chosen status.</summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _status = 200;
    private volatile bool _hang;

    private WebhookReceiver(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    public ConcurrentQueue<Received> Requests { get; } = new();

    /// <summary>The status answered from now on.</summary>
    public int Status
    {
        get => Volatile.Read(ref _status);
        set => Volatile.Write(ref _status, value);
    }

    /// <summary>While set, each request is recorded (answered with 0) and then never answered: the sender times out or dies.</summary>
    public bool Hang
    {
        get => _hang;
        set => _hang = value;
    }

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hook", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var hang = receiver.Hang;
            var status = hang ? 0 : receiver.Status;
            receiver.Requests.Enqueue(new Received(
                body.ToArray(),
                context.Request.Headers["webhook-signature"].ToString(),
                context.Request.Headers["X-Tokenkeeper-Event"].ToString(),
                context.Request.Headers["webhook-id"].ToString(),
                int.Parse(context.Request.Headers["X-Tokenkeeper-Attempt"].ToString(), System.Globalization.CultureInfo.InvariantCulture),
                status)
            {
                ReceivedAt = DateTimeOffset.UtcNow,
                Timestamp = context.Request.Headers["webhook-timestamp"].ToString(),
                LegacySignature = context.Request.Headers["X-Tokenkeeper-Signature"].ToString(),
            });
            if (hang)
            {
                using var gone = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, app.Lifetime.ApplicationStopping);
                await Task.Delay(Timeout.InfiniteTimeSpan, gone.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                return;
            }

            context.Response.StatusCode = status;
        });
        await app.StartAsync();
        receiver.Url = new Uri(app.Urls.First().TrimEnd('/') + "/hook");
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <param name="Body">The exact body bytes.</param>
    /// <param name="Signature">The <c>webhook-signature</c> header.</param>
    /// <param name="EventType">The <c>X-Tokenkeeper-Event</c> header.</param>
    /// <param name="DeliveryId">The <c>webhook-id</c> header.</param>
    /// <param name="Attempt">The <c>X-Tokenkeeper-Attempt</c> header.</param>
    /// <param name="AnsweredWith">The status this receiver answered.</param>
    public sealed record Received(byte[] Body, string Signature, string EventType, string DeliveryId, int Attempt, int AnsweredWith)
    {
        /// <summary>The <c>webhook-timestamp</c> header.</summary>
        public string Timestamp { get; init; } = "";

        /// <summary>The header of versions before Standard Webhooks signing (it must be gone).</summary>
        public string LegacySignature { get; init; } = "";

        /// <summary>Whether one of the <c>v1</c> signatures verifies with <paramref name="secret"/>, by this test's own reading of the
        /// Standard Webhooks scheme (not the library's verifier).</summary>
        public bool SignedWith(string secret) => StandardWebhooksCheck.Verify(secret, DeliveryId, Timestamp, Signature, Body);

        /// <summary>When it arrived (wall clock: the senders are real processes).</summary>
        public DateTimeOffset ReceivedAt { get; init; }

        public string Text => System.Text.Encoding.UTF8.GetString(Body);
    }
}
