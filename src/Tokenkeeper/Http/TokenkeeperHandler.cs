using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;
using Tokenkeeper.Diagnostics;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;

namespace Tokenkeeper.Http;

/// <summary>
/// A <see cref="DelegatingHandler"/> that sends every request with a valid access token (DESIGN.md contract 7): it attaches
/// the connection's current token, recognises an auth failure, replays once with a different token (refreshing through the
/// single flight only when the rejected token is still the current one), and retries 429/5xx with backoff for requests that
/// are safe to repeat. When no token can be had the request is not sent: the caller gets a <see cref="TokenAcquisitionException"/>.
/// </summary>
public sealed class TokenkeeperHandler : DelegatingHandler
{
    private static readonly ResiliencePropertyKey<bool> RetryableKey = new("tokenkeeper.retryable");

    private readonly IAccessTokenSource _source;
    private readonly TokenkeeperHandlerOptions _options;
    private readonly Func<CancellationToken, ValueTask<IAuthFailureMatcher>> _matcher;
    private readonly TokenManager? _manager;
    private readonly TokenkeeperMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline<HttpResponseMessage> _retry;
    private IAuthFailureMatcher? _resolvedMatcher;

    /// <summary>Creates a handler for one connection of <paramref name="manager"/>.</summary>
    public TokenkeeperHandler(TokenManager manager, string connectionId, TokenkeeperHandlerOptions? options = null, ILogger? logger = null)
        : this(
            (manager ?? throw new ArgumentNullException(nameof(manager))).GetSource(connectionId),
            options ?? new TokenkeeperHandlerOptions(),
            MatcherFor(manager, connectionId, options),
            manager.TimeProvider,
            manager.Metrics,
            logger ?? manager.Logger)
    {
        _manager = manager;
    }

    /// <summary>Creates a handler over any token source.</summary>
    public TokenkeeperHandler(IAccessTokenSource source, TokenkeeperHandlerOptions options, Func<CancellationToken, ValueTask<IAuthFailureMatcher>> matcher, TimeProvider timeProvider, TokenkeeperMetrics metrics, ILogger? logger = null)
    {
        _source = source ?? throw new ArgumentNullException(nameof(source));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _matcher = matcher ?? throw new ArgumentNullException(nameof(matcher));
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        _logger = logger ?? NullLogger.Instance;
        var time = timeProvider ?? TimeProvider.System;
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time };
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.RetryMaxDelay,
                ShouldHandle = async args => args.Context.Properties.GetValue(RetryableKey, false)
                    && IsRetryable(args.Outcome, options.MaxRetryAfter, time)
                    && !(args.Outcome.Result is { } response && _resolvedMatcher is { } matcher && await matcher.IsAuthFailureAsync(response, args.Context.CancellationToken).ConfigureAwait(false)),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result is { } response ? RetryAfter.Read(response.Headers, time.GetUtcNow(), response.Headers.Date) : null),
                OnRetry = args =>
                {
                    var request = args.Outcome.Result?.RequestMessage;
                    _metrics.RecordHttpRetry(_source.ConnectionId);
                    Log.HttpRetry(_logger, _source.ConnectionId, request?.Method.Method ?? "?", request?.RequestUri?.AbsolutePath ?? "?", (int?)args.Outcome.Result?.StatusCode ?? 0, args.RetryDelay.TotalMilliseconds);
                    args.Outcome.Result?.Dispose();
                    return default;
                },
            });
        }

        _retry = builder.Build();
    }

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var token = await _source.GetTokenAsync(_options.MinValidity, cancellationToken).ConfigureAwait(false);
        var matcher = _resolvedMatcher ??= await _matcher(cancellationToken).ConfigureAwait(false);
        var replayable = await MakeReplayableAsync(request.Content, cancellationToken).ConfigureAwait(false);
        var response = await SendWithRetriesAsync(request, token, replayable, cancellationToken).ConfigureAwait(false);
        if (!await matcher.IsAuthFailureAsync(response, cancellationToken).ConfigureAwait(false))
        {
            return response;
        }

        var method = request.Method.Method;
        var path = request.RequestUri?.AbsolutePath ?? "";
        if (!replayable)
        {
            Log.NotReplayable(_logger, _source.ConnectionId, method, path);
            return response;
        }

        ManagedAccessToken current;
        try
        {
            current = await _source.GetTokenAfterRejectionAsync(token, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            response.Dispose();
            throw;
        }

        response.Dispose();
        _metrics.RecordReplay(_source.ConnectionId, current.Version > token.Version ? "new_token" : "other_token");
        Log.Replaying(_logger, _source.ConnectionId, method, path, token.Fingerprint, current.Fingerprint);
        var replay = await SendWithRetriesAsync(request, current, replayable, cancellationToken).ConfigureAwait(false);
        if (await matcher.IsAuthFailureAsync(replay, cancellationToken).ConfigureAwait(false))
        {
            _metrics.RecordAuthLoop();
            Log.RejectedAfterReplay(_logger, _source.ConnectionId, method, path, current.Fingerprint);
            if (_manager is not null)
            {
                await _manager.ReportAuthLoopAsync(_source.ConnectionId, current, method, path, cancellationToken).ConfigureAwait(false);
            }
        }

        return replay;
    }

    private async Task<HttpResponseMessage> SendWithRetriesAsync(HttpRequestMessage request, ManagedAccessToken token, bool replayable, CancellationToken cancellationToken)
    {
        request.Headers.Remove("Authorization");
        request.Headers.TryAddWithoutValidation("Authorization", token.AuthorizationValue);
        if (_options.MaxRetries == 0 || !replayable || !IsSafeToRepeat(request))
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(RetryableKey, true);
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

    private static Func<CancellationToken, ValueTask<IAuthFailureMatcher>> MatcherFor(TokenManager manager, string connectionId, TokenkeeperHandlerOptions? options)
    {
        if (options?.AuthFailureMatcher is { } matcher)
        {
            return _ => ValueTask.FromResult(matcher);
        }

        return cancellationToken => manager.GetAuthFailureMatcherAsync(connectionId, cancellationToken);
    }

    private Task<HttpResponseMessage> SendInnerAsync(HttpRequestMessage request, CancellationToken cancellationToken) => base.SendAsync(request, cancellationToken);

    private async ValueTask<bool> MakeReplayableAsync(HttpContent? content, CancellationToken cancellationToken)
    {
        switch (content)
        {
            case null:
            case ByteArrayContent:
            case ReadOnlyMemoryContent:
            case JsonContent:
                return true;
            case MultipartContent multipart:
                var all = true;
                foreach (var part in multipart)
                {
                    all &= await MakeReplayableAsync(part, cancellationToken).ConfigureAwait(false);
                }

                return all;
            default:
                if (!_options.BufferRequestContent)
                {
                    return false;
                }

                await content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
                return true;
        }
    }

    private static bool IsSafeToRepeat(HttpRequestMessage request) =>
        request.Method == HttpMethod.Get || request.Method == HttpMethod.Head || request.Method == HttpMethod.Options
        || request.Method == HttpMethod.Put || request.Method == HttpMethod.Delete || request.Method == HttpMethod.Trace
        || request.Headers.Contains(HttpConstants.IdempotencyKeyHeader);

    private static bool IsRetryable(Outcome<HttpResponseMessage> outcome, TimeSpan maxRetryAfter, TimeProvider time)
    {
        if (outcome.Exception is HttpRequestException)
        {
            return true;
        }

        if (outcome.Result is not { } response)
        {
            return false;
        }

        var status = response.StatusCode;
        if (status != HttpStatusCode.TooManyRequests && status is not (HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout))
        {
            return false;
        }

        var wait = RetryAfter.Read(response.Headers, time.GetUtcNow(), response.Headers.Date);
        return wait is null || wait <= maxRetryAfter;
    }
}
