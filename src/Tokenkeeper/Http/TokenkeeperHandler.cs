using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tokenkeeper.Diagnostics;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;
using Tokenkeeper.Http.AuthFailures;

namespace Tokenkeeper.Http;

/// <summary>
/// A <see cref="DelegatingHandler"/> that sends every request with a valid access token (DESIGN.md contract 7): it attaches
/// the connection's current token, recognises an auth failure, replays once with a different token (refreshing through the
/// single flight only when the rejected token is still the current one), and retries 429/5xx with backoff for requests that
/// are safe to repeat. When no token can be had the request is not sent: the caller gets a <see cref="TokenAcquisitionException"/>.
/// </summary>
public sealed class TokenkeeperHandler : DelegatingHandler
{
    private readonly IAccessTokenSource _source;
    private readonly TokenkeeperHandlerOptions _options;
    private readonly Func<CancellationToken, ValueTask<IAuthFailureMatcher>> _matcher;
    private readonly TokenManager? _manager;
    private readonly TokenkeeperMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Func<double> _random;
    private IAuthFailureMatcher? _resolvedMatcher;

    /// <summary>Creates a handler for one connection of <paramref name="manager"/>.</summary>
    public TokenkeeperHandler(TokenManager manager, string connectionId, TokenkeeperHandlerOptions? options = null, ILogger? logger = null)
        : this(
            (manager ?? throw new ArgumentNullException(nameof(manager))).GetSource(connectionId),
            options ?? new TokenkeeperHandlerOptions(),
            MatcherFor(manager, connectionId, options),
            manager.TimeProvider,
            manager.Metrics,
            logger ?? manager.Logger,
            manager.Random)
    {
        _manager = manager;
    }

    /// <summary>Creates a handler over any token source.</summary>
    internal TokenkeeperHandler(IAccessTokenSource source, TokenkeeperHandlerOptions options, Func<CancellationToken, ValueTask<IAuthFailureMatcher>> matcher, TimeProvider timeProvider, TokenkeeperMetrics metrics, ILogger? logger = null, Func<double>? random = null)
    {
        _random = random ?? Random.Shared.NextDouble;
        _source = source ?? throw new ArgumentNullException(nameof(source));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _matcher = matcher ?? throw new ArgumentNullException(nameof(matcher));
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        _logger = logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        if (options.MaxRetries < 0 || options.RetryBaseDelay < TimeSpan.Zero || options.RetryMaxDelay < options.RetryBaseDelay || options.MaxRetryAfter < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxRetries, RetryBaseDelay and MaxRetryAfter must not be negative, and RetryMaxDelay must be at least RetryBaseDelay.");
        }
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

    // Pooled: every request passes through here once, and its state machine would otherwise be a heap object per request.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<HttpResponseMessage> SendWithRetriesAsync(HttpRequestMessage request, ManagedAccessToken token, bool replayable, CancellationToken cancellationToken)
    {
        request.Headers.Remove("Authorization");
        request.Headers.TryAddWithoutValidation("Authorization", token.AuthorizationValue);
        if (_options.MaxRetries == 0 || !replayable || !IsSafeToRepeat(request))
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        // A hand-written loop rather than a resilience pipeline: the first attempt, the one that nearly always succeeds,
        // costs exactly a base.SendAsync (docs/performance.md measured a pipeline at +4% per loopback request).
        for (var attempt = 0; ; attempt++)
        {
            HttpResponseMessage response;
            try
            {
                response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException) when (attempt < _options.MaxRetries && !cancellationToken.IsCancellationRequested)
            {
                await WaitBeforeRetryAsync(request, 0, Backoff(attempt), cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (attempt >= _options.MaxRetries || !IsRetryableStatus(response.StatusCode))
            {
                return response;
            }

            var retryAfter = RetryAfter.Read(response.Headers, _time.GetUtcNow(), response.Headers.Date);
            if (retryAfter > _options.MaxRetryAfter
                || (_resolvedMatcher is { } matcher && await matcher.IsAuthFailureAsync(response, cancellationToken).ConfigureAwait(false)))
            {
                return response;
            }

            var status = (int)response.StatusCode;
            response.Dispose();
            await WaitBeforeRetryAsync(request, status, retryAfter ?? Backoff(attempt), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task WaitBeforeRetryAsync(HttpRequestMessage request, int status, TimeSpan delay, CancellationToken cancellationToken)
    {
        _metrics.RecordHttpRetry(_source.ConnectionId);
        Log.HttpRetry(_logger, _source.ConnectionId, request.Method.Method, request.RequestUri?.AbsolutePath ?? "?", status, delay.TotalMilliseconds);
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Exponential from <see cref="TokenkeeperHandlerOptions.RetryBaseDelay"/>, capped, with "equal jitter": a uniform draw from the upper part of the step, so a fleet that failed together does not retry together.</summary>
    private TimeSpan Backoff(int attempt)
    {
        var exponential = _options.RetryBaseDelay * Math.Pow(2, Math.Min(attempt, HttpConstants.MaxBackoffDoublings));
        var capped = exponential > _options.RetryMaxDelay ? _options.RetryMaxDelay : exponential;
        var floor = capped * (1 - HttpConstants.RetryJitterFraction);
        return floor + (capped - floor) * _random();
    }

    private static Func<CancellationToken, ValueTask<IAuthFailureMatcher>> MatcherFor(TokenManager manager, string connectionId, TokenkeeperHandlerOptions? options)
    {
        if (options?.AuthFailureMatcher is { } matcher)
        {
            return _ => ValueTask.FromResult(matcher);
        }

        return cancellationToken => manager.GetAuthFailureMatcherAsync(connectionId, cancellationToken);
    }

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

    private static bool IsRetryableStatus(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway
            or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;
}
