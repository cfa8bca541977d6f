using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Polly;
using Polly.Retry;
using Tokenkeeper.Http;
using Tokenkeeper.Refresh;

namespace Tokenkeeper.Benchmarks.Engine;

/// <summary>
/// Issue 3, target 2: the <see cref="TokenkeeperHandler"/>'s overhead per request against a plain <see cref="HttpClient"/>
/// with a fixed <c>Authorization</c> header, on loopback. Every client sends through one shared <see cref="SocketsHttpHandler"/>
/// and hits the same URL; an A/A control (a second plain client) shows what the method resolves. The clients are interleaved request by request: in each round every caller sends
/// one GET through each client, in an order that rotates every round and reverses every other cycle, so whatever the
/// machine's load does, it does to all clients alike. A client's overhead is the mean of its per-round latency differences
/// against the plain client's request of the same round, over the plain client's mean latency; the 95% interval is 1.96
/// standard errors of those differences.
/// </summary>
internal static class HandlerOverhead
{
    public static async Task<Result> RunAsync(string server, Uri url, TokenManager manager, int concurrency, int roundsPerCaller)
    {
        var token = await manager.GetAccessTokenAsync(TokenkeeperContender.ConnectionId);

        // One SocketsHttpHandler under every client: the same connection pool and the same TCP connections, so no client
        // gains or loses by the connection it happened to get (with a pool per client, two identical plain clients
        // differed by up to 2% at one caller).
        using var shared = NewSocketsHandler();
        var clients = new (string Name, HttpClient Client)[]
        {
            ("plain HttpClient, fixed header", WithHeader(new HttpClient(shared, disposeHandler: false), token.TokenType, token.Token.Value)),
            ("TokenkeeperHandler (defaults)", new HttpClient(new TokenkeeperHandler(manager, TokenkeeperContender.ConnectionId) { InnerHandler = shared }, disposeHandler: false)),
            ("TokenkeeperHandler (MaxRetries = 0)", new HttpClient(new TokenkeeperHandler(manager, TokenkeeperContender.ConnectionId, new TokenkeeperHandlerOptions { MaxRetries = 0 }) { InnerHandler = shared }, disposeHandler: false)),
            ("control: an empty async DelegatingHandler, fixed header", WithHeader(new HttpClient(new PassThroughHandler { InnerHandler = shared }, disposeHandler: false), token.TokenType, token.Token.Value)),
            ("control: Polly retry pipeline only, fixed header", WithHeader(new HttpClient(new PollyRetryHandler { InnerHandler = shared }, disposeHandler: false), token.TokenType, token.Token.Value)),
            ("control: a second plain HttpClient (A/A, the noise floor)", WithHeader(new HttpClient(shared, disposeHandler: false), token.TokenType, token.Token.Value)),
        };
        try
        {
            // Warm-up: connections, JIT, tiered compilation.
            await RoundsAsync(clients, url, concurrency, Math.Max(500, roundsPerCaller / 20), null);
            var samples = clients.Select(_ => new double[concurrency * roundsPerCaller]).ToArray();
            await RoundsAsync(clients, url, concurrency, roundsPerCaller, samples);

            // Allocation per request: each client alone, 1 caller, whole process (the server's share is the same for all).
            var allocated = new double[clients.Length];
            for (var k = 0; k < clients.Length; k++)
            {
                const int requests = 5_000;
                var before = GC.GetTotalAllocatedBytes(precise: true);
                for (var i = 0; i < requests; i++)
                {
                    using var response = await clients[k].Client.GetAsync(url);
                }

                allocated[k] = (double)(GC.GetTotalAllocatedBytes(precise: true) - before) / requests;
            }

            var plain = samples[0];
            var plainMean = plain.Average();
            var rows = new List<ClientRow>();
            for (var k = 0; k < clients.Length; k++)
            {
                var mine = samples[k];
                var differences = mine.Select((value, i) => value - plain[i]).ToArray();
                var (meanDiff, sdDiff) = Stat.MeanStd(differences);
                var mean = mine.Average();
                var sorted = mine.Order().ToArray();
                rows.Add(new ClientRow(
                    clients[k].Name,
                    mean,
                    Stat.Percentile(sorted, 0.5),
                    Stat.Percentile(sorted, 0.99),
                    100 * meanDiff / plainMean,
                    100 * 1.96 * sdDiff / Math.Sqrt(differences.Length) / plainMean,
                    allocated[k]));
            }

            return new Result(server, concurrency, plain.Length, rows);
        }
        finally
        {
            foreach (var (_, client) in clients)
            {
                client.Dispose();
            }
        }
    }

    /// <summary><paramref name="concurrency"/> callers each run <paramref name="rounds"/> rounds of one GET per client; latencies in ns.</summary>
    private static async Task RoundsAsync((string Name, HttpClient Client)[] clients, Uri url, int concurrency, int rounds, double[][]? samples)
    {
        var callers = new Task[concurrency];
        for (var c = 0; c < concurrency; c++)
        {
            var caller = c;
            callers[c] = Task.Run(async () =>
            {
                var order = new int[clients.Length];
                for (var round = 0; round < rounds; round++)
                {
                    for (var k = 0; k < order.Length; k++)
                    {
                        order[k] = (k + round + caller) % order.Length;
                    }

                    if ((round / order.Length) % 2 == 1)
                    {
                        Array.Reverse(order);
                    }

                    foreach (var k in order)
                    {
                        var started = Stopwatch.GetTimestamp();
                        using (var response = await clients[k].Client.GetAsync(url))
                        {
                            if (response.StatusCode != HttpStatusCode.OK)
                            {
                                throw new InvalidOperationException($"GET {url} answered {(int)response.StatusCode}");
                            }
                        }

                        if (samples is not null)
                        {
                            samples[k][(caller * rounds) + round] = LatencyHistogram.ToNs(Stopwatch.GetTimestamp() - started);
                        }
                    }
                }
            });
        }

        await Task.WhenAll(callers);
    }

    private static HttpClient WithHeader(HttpClient client, string scheme, string value)
    {
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(scheme, value);
        return client;
    }

    /// <summary>The handler every client sends through.</summary>
    private static SocketsHttpHandler NewSocketsHandler() => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
    };

    /// <summary>A control: the least any handler-based token manager can cost, one <c>async</c> layer that awaits the next handler.</summary>
    private sealed class PassThroughHandler : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A control: only what the Tokenkeeper handler does around a GET that succeeds with its default retries — a Polly v8
    /// retry pipeline (3 retries, exponential, jitter), a pooled <see cref="ResilienceContext"/> — and nothing else.
    /// </summary>
    private sealed class PollyRetryHandler : DelegatingHandler
    {
        private readonly ResiliencePipeline<HttpResponseMessage> _retry = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = 3,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is HttpRequestException || (int?)args.Outcome.Result?.StatusCode >= 500),
            })
            .Build();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var context = ResilienceContextPool.Shared.Get(cancellationToken);
            try
            {
                return await _retry.ExecuteAsync(
                    static (ctx, state) => new ValueTask<HttpResponseMessage>(state.Handler.SendInnerAsync(state.Request, ctx.CancellationToken)),
                    context,
                    (Handler: this, Request: request)).ConfigureAwait(false);
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
            }
        }

        private Task<HttpResponseMessage> SendInnerAsync(HttpRequestMessage request, CancellationToken cancellationToken) => base.SendAsync(request, cancellationToken);
    }

    public sealed record ClientRow(string Client, double MeanNs, double P50Ns, double P99Ns, double OverheadPercent, double OverheadCi95Percent, double AllocatedPerRequest);

    public sealed record Result(string Server, int Concurrency, int RequestsPerClient, IReadOnlyList<ClientRow> Clients);
}
