using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Tokenkeeper.IntegrationTests.Support;

/// <summary>
/// A loopback OTLP/HTTP collector: records every POST (to <c>/v1/traces</c>, <c>/v1/metrics</c> or anywhere else, so a wrong path
/// shows up too) and answers 200 with an empty body, an empty <c>Export…ServiceResponse</c>. Bodies are read with
/// <see cref="ProtobufWire"/>.
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    /// <summary>The content type of OTLP/HTTP with protobuf bodies.</summary>
    public const string ProtobufContentType = "application/x-protobuf";

    private readonly WebApplication _app;
    private volatile bool _hang;

    private OtlpReceiver(WebApplication app) => _app = app;

    /// <summary>While set, each request is recorded and then never answered: a collector that accepts connections and hangs.</summary>
    public bool Hang
    {
        get => _hang;
        set => _hang = value;
    }

    /// <summary>The collector's base URL, as <c>--otlp-endpoint</c> or <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> take it.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Every request, in order of arrival.</summary>
    public ConcurrentQueue<Received> Requests { get; } = new();

    /// <summary>The requests with spans.</summary>
    public IReadOnlyList<Received> Traces => [.. Requests.Where(r => r.Path == "/v1/traces")];

    /// <summary>The requests with metrics.</summary>
    public IReadOnlyList<Received> Metrics => [.. Requests.Where(r => r.Path == "/v1/metrics")];

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            receiver.Requests.Enqueue(new Received(context.Request.Method, context.Request.Path.Value ?? "", context.Request.ContentType ?? "", body.ToArray()));
            if (receiver.Hang)
            {
                using var gone = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, app.Lifetime.ApplicationStopping);
                await Task.Delay(Timeout.InfiniteTimeSpan, gone.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                return;
            }

            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = ProtobufContentType;
        });
        await app.StartAsync();
        receiver.BaseUrl = new Uri(app.Urls.First().TrimEnd('/'));
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>One request as it arrived.</summary>
    internal sealed record Received(string Method, string Path, string ContentType, byte[] Body)
    {
        /// <summary>The UTF-8 strings anywhere in the body: metric and span names, attribute keys and values.</summary>
        public IReadOnlyList<string> Strings => ProtobufWire.Strings(Body);

        /// <summary>The attributes with string values anywhere in the body (resource, scope, data point and span attributes).</summary>
        public IReadOnlyList<KeyValuePair<string, string>> Attributes => ProtobufWire.StringAttributes(Body);

        public override string ToString() => $"{Method} {Path} ({ContentType}, {Body.Length} bytes): {string.Join(", ", Strings.Distinct())}";
    }
}
