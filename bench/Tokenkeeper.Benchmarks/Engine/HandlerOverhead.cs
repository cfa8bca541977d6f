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
/// with a fixed <c>Authorization</c> header, on loopback. Every client has its own <see cref="SocketsHttpHandler"/> with the
/// same settings and hits the same URL. Each round, each client sends one block of requests from <c>concurrency</c>
/// callers; the order of the clients rotates every round and reverses every other cycle, so drift in the machine's load
/// hits all clients alike. A client's overhead is the mean of its per-round differences of block means against the
/// plain client, over the plain client's mean; the 95% interval is 1.96 standard errors of those differences.
/// </summary>
internal static class HandlerOverhead
{
    public static async Task<Result> RunAsync(string server, Uri url, TokenManager manager, int concurrency, int rounds, int perCallerPerBlock)
    {
        var token = await manager.GetAccessTokenAsync(TokenkeeperContender.ConnectionId);
        var plain = new HttpClient(NewSocketsHandler());
        plain.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(token.TokenType, token.Token.Value);
        var clients = new (string Name, HttpClient Client)[]
        {
            ("plain HttpClient, fixed header", plain),
            ("TokenkeeperHandler (defaults)", new HttpClient(new TokenkeeperHandler(manager, TokenkeeperContender.ConnectionId) { InnerHandler = NewSocketsHandler() })),
            ("TokenkeeperHandler (MaxRetries = 0)", new HttpClient(new TokenkeeperHandler(manager, TokenkeeperContender.ConnectionId, new TokenkeeperHandlerOptions { MaxRetries = 0 }) { InnerHandler = NewSocketsHandler() })),
            ("control: Polly retry pipeline only, fixed header", WithHeader(new HttpClient(new PollyRetryHandler { InnerHandler = NewSocketsHandler() }), token.TokenType, token.Token.Value)),
        };
        try
        {
            // Warm-up: connections, JIT, tiered compilation.
            for (var i = 0; i < 3; i++)
            {
                foreach (var (_, client) in clients)
                {
                    await BlockAsync(client, url, concurrency, Math.Max(perCallerPerBlock, 200), null);
                }
            }

            var perBlock = concurrency * perCallerPerBlock;
            var samples = clients.Select(_ => new double[rounds * perBlock]).ToArray();
            var blockMeans = clients.Select(_ => new double[rounds]).ToArray();
            for (var round = 0; round < rounds; round++)
            {
                var order = Enumerable.Range(0, clients.Length).Select(k => (k + round) % clients.Length).ToArray();
                if ((round / clients.Length) % 2 == 1)
                {
                    Array.Reverse(order);
                }

                foreach (var k in order)
                {
                    var slice = new ArraySegment<double>(samples[k], round * perBlock, perBlock);
                    await BlockAsync(clients[k].Client, url, concurrency, perCallerPerBlock, slice);
                    blockMeans[k][round] = slice.Average();
                }
            }

            var plainMean = samples[0].Average();
            var rows = new List<ClientRow>();
            for (var k = 0; k < clients.Length; k++)
            {
                var mean = samples[k].Average();
                var differences = Enumerable.Range(0, rounds).Select(r => blockMeans[k][r] - blockMeans[0][r]).ToArray();
                var (meanDiff, sdDiff) = Stat.MeanStd(differences);
                Array.Sort(samples[k]);
                rows.Add(new ClientRow(
                    clients[k].Name,
                    mean,
                    Stat.Percentile(samples[k], 0.5),
                    Stat.Percentile(samples[k], 0.99),
                    100 * meanDiff / plainMean,
                    100 * 1.96 * sdDiff / Math.Sqrt(rounds) / plainMean));
            }

            return new Result(server, concurrency, rounds * perBlock, rows);
        }
        finally
        {
            foreach (var (_, client) in clients)
            {
                client.Dispose();
            }
        }
    }

    private static HttpClient WithHeader(HttpClient client, string scheme, string value)
    {
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(scheme, value);
        return client;
    }

    /// <summary>The same settings for every client.</summary>
    private static SocketsHttpHandler NewSocketsHandler() => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
    };

    /// <summary><paramref name="concurrency"/> callers each send <paramref name="perCaller"/> GETs in a row; latencies in ns go to <paramref name="samples"/>.</summary>
    private static async Task BlockAsync(HttpClient client, Uri url, int concurrency, int perCaller, ArraySegment<double>? samples)
    {
        var callers = new Task[concurrency];
        for (var c = 0; c < concurrency; c++)
        {
            var caller = c;
            callers[c] = Task.Run(async () =>
            {
                for (var i = 0; i < perCaller; i++)
                {
                    var started = Stopwatch.GetTimestamp();
                    using (var response = await client.GetAsync(url))
                    {
                        if (response.StatusCode != HttpStatusCode.OK)
                        {
                            throw new InvalidOperationException($"GET {url} answered {(int)response.StatusCode}");
                        }
                    }

                    if (samples is { } slice)
                    {
                        slice[(caller * perCaller) + i] = LatencyHistogram.ToNs(Stopwatch.GetTimestamp() - started);
                    }
                }
            });
        }

        await Task.WhenAll(callers);
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

    public sealed record ClientRow(string Client, double MeanNs, double P50Ns, double P99Ns, double OverheadPercent, double OverheadCi95Percent);

    public sealed record Result(string Server, int Concurrency, int RequestsPerClient, IReadOnlyList<ClientRow> Clients);
}
