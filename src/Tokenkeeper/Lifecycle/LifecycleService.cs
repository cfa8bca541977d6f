using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tokenkeeper.Connections;
using Tokenkeeper.Diagnostics;
using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;
using Tokenkeeper.Events;

namespace Tokenkeeper.Lifecycle;

/// <summary>
/// Keeps connections alive and people informed (DESIGN.md contract 9): on each pass it plans every connection, runs the
/// keep-alive refreshes that are due (through the same single flight, lease, rate limiter and commit as any refresh), probes a
/// connection whose refresh-token deadline was reached, sends the expiry warnings that are due, and delivers the outbox.
/// Driven by the manager's <see cref="TimeProvider"/>, so months of schedule run in seconds on a fake clock.
/// </summary>
public sealed class LifecycleService
{
    private readonly TokenManager _manager;
    private readonly LifecycleOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates the service.</summary>
    /// <param name="manager">The token manager (its store must implement <see cref="IEventOutbox"/> for alerts to be delivered).</param>
    /// <param name="options">Keep-alive, warning and webhook options.</param>
    /// <param name="webhookClient">The HTTP client for webhooks; a default one when null.</param>
    /// <param name="loggerFactory">Logging.</param>
    public LifecycleService(TokenManager manager, LifecycleOptions? options = null, HttpClient? webhookClient = null, ILoggerFactory? loggerFactory = null)
    {
        _manager = manager ?? throw new ArgumentNullException(nameof(manager));
        _options = options ?? new LifecycleOptions();
        _options.Validate();
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Tokenkeeper.Lifecycle");
        Planner = new LifecyclePlanner(_options);
        if (manager.Store is IEventOutbox outbox)
        {
            Dispatcher = new EventDispatcher(outbox, _options, webhookClient ?? new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }), manager.TimeProvider, _logger);
        }
    }

    /// <summary>The planner.</summary>
    public LifecyclePlanner Planner { get; }

    /// <summary>The outbox dispatcher (null when the store has no outbox).</summary>
    internal EventDispatcher? Dispatcher { get; }

    /// <summary>Plans every connection in the store.</summary>
    public async Task<IReadOnlyList<ConnectionPlan>> PlanAsync(CancellationToken cancellationToken = default)
    {
        var records = await _manager.Store.ListAsync(cancellationToken).ConfigureAwait(false);
        var now = _manager.TimeProvider.GetUtcNow();
        return [.. records.Select(r => Planner.Plan(r, _manager.GetProfile(r.ConnectionId, r.Registration), now))];
    }

    /// <summary>Runs one pass: due keep-alives, probes and warnings, then delivers the outbox.</summary>
    public async Task<LifecyclePass> RunDueAsync(CancellationToken cancellationToken = default)
    {
        var now = _manager.TimeProvider.GetUtcNow();
        var records = await _manager.Store.ListAsync(cancellationToken).ConfigureAwait(false);
        var actions = new List<LifecycleAction>();
        using (var gate = new SemaphoreSlim(_options.MaxConcurrency))
        {
            var work = records.Select(async record =>
            {
                await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    return await ProcessAsync(record, now, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    gate.Release();
                }
            });
            foreach (var done in await Task.WhenAll(work).ConfigureAwait(false))
            {
                actions.AddRange(done);
            }
        }

        var delivered = Dispatcher is null ? 0 : await Dispatcher.DispatchAsync(cancellationToken).ConfigureAwait(false);
        var plans = await PlanAsync(cancellationToken).ConfigureAwait(false);
        var after = _manager.TimeProvider.GetUtcNow();
        var next = plans.Where(p => p.State is ConnectionState.Active or ConnectionState.Degraded).Select(p => p.NextDueAt).Where(t => t is not null).Select(t => t!.Value)
            .Append(after + _options.MaxSleep)
            .Concat(Dispatcher?.NextRetryAt is { } retry ? [retry] : [])
            .Min();
        return new LifecyclePass(now, actions, next < after ? after : next, delivered);
    }

    /// <summary>Runs passes until cancelled, sleeping until the next one is due (at most <see cref="LifecycleOptions.MaxSleep"/>)
    /// and delivering the outbox every <see cref="LifecycleConstants.MinSleep"/> to <see cref="LifecycleConstants.DispatchInterval"/>.
    /// Cancellation ends it quietly, also in the middle of a pass (nothing half-done is committed).</summary>
    /// <param name="cancellationToken">Stops the service.</param>
    /// <param name="onPass">Called after every pass (for example to report it); null: nothing.</param>
    public async Task RunAsync(CancellationToken cancellationToken, Func<LifecyclePass, CancellationToken, ValueTask>? onPass = null)
    {
        var time = _manager.TimeProvider;
        var nextPass = time.GetUtcNow();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (time.GetUtcNow() >= nextPass)
                {
                    var pass = await RunDueAsync(cancellationToken).ConfigureAwait(false);
                    nextPass = pass.NextDueAt;
                    if (onPass is not null)
                    {
                        await onPass(pass, cancellationToken).ConfigureAwait(false);
                    }
                }
                else if (Dispatcher is not null)
                {
                    await Dispatcher.DispatchAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException && ex is not OutOfMemoryException)
            {
                Log.LifecycleAction(_logger, "*", "pass failed", ex.Message);
                nextPass = time.GetUtcNow() + LifecycleConstants.DispatchInterval;
            }

            var now = time.GetUtcNow();
            var wake = nextPass < now + LifecycleConstants.DispatchInterval ? nextPass : now + LifecycleConstants.DispatchInterval;
            var sleep = wake - now < LifecycleConstants.MinSleep ? LifecycleConstants.MinSleep : wake - now;
            try
            {
                await Task.Delay(sleep, time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<IReadOnlyList<LifecycleAction>> ProcessAsync(ConnectionRecord record, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!record.Status.IsUsable || record.NextAttemptAt > now)
        {
            return [];
        }

        var id = record.ConnectionId;
        var plan = Planner.Plan(record, _manager.GetProfile(id, record.Registration), now);
        var actions = new List<LifecycleAction>();
        var due = LifecyclePlanner.Due(plan, now);
        if (due.Count > 0 && plan.AbsoluteDeadline is { } deadline)
        {
            actions.Add(await WarnAsync(id, deadline, due, now, cancellationToken).ConfigureAwait(false));
        }

        if (plan.ProbeDue(now))
        {
            actions.Add(await RefreshAsync(id, "probe", $"refresh-token deadline {plan.RefreshTokenDeadline:O} reached", cancellationToken).ConfigureAwait(false));
        }
        else if (plan.NextKeepAliveAt <= now)
        {
            actions.Add(await RefreshAsync(id, "keepalive", $"idle deadline {plan.IdleDeadline:O}", cancellationToken).ConfigureAwait(false));
        }

        return actions;
    }

    private async Task<LifecycleAction> RefreshAsync(string id, string kind, string why, CancellationToken cancellationToken)
    {
        try
        {
            var token = await _manager.KeepAliveAsync(id, cancellationToken).ConfigureAwait(false);
            var detail = $"{why}: refreshed, access token {token.Fingerprint}";
            Log.LifecycleAction(_logger, id, kind, detail);
            return new LifecycleAction(id, kind, true, detail);
        }
        catch (TokenAcquisitionException ex)
        {
            var detail = ex is ReconnectRequiredException reconnect ? $"{why}: needs re-authorisation ({reconnect.Reason})" : $"{why}: {ex.Message}";
            Log.LifecycleAction(_logger, id, kind, detail);
            return new LifecycleAction(id, kind, false, detail, ex.Cause);
        }
    }

    private async Task<LifecycleAction> WarnAsync(string id, DateTimeOffset deadline, IReadOnlyList<PlannedWarning> due, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var daysLeft = (int)Math.Ceiling((deadline - now).TotalDays);
        var detail = $"refresh token expires in {daysLeft} day(s), at {deadline:O}: re-authorise before then";
        await _manager.UpdateAsync(id, (record, at) =>
        {
            var sent = record.WarnedDeadline == deadline ? record.ExpiryWarningsSent : [];
            var next = record with { WarnedDeadline = deadline, ExpiryWarningsSent = [.. sent.Union(due.Select(w => w.DaysBefore)).Order()] };
            ConnectionEvent warning = new()
            {
                ConnectionId = id,
                Type = ConnectionEventTypes.ExpiryWarning,
                OccurredAt = at,
                State = record.Status.State.ToString(),
                Cause = FailureCause.Credential,
                Reason = "refresh_token_expiring",
                Detail = detail,
                Data = new Dictionary<string, string>
                {
                    ["days_left"] = daysLeft.ToString(CultureInfo.InvariantCulture),
                    ["deadline"] = deadline.ToString("O", CultureInfo.InvariantCulture),
                },
            };
            return (next, [warning]);
        }, cancellationToken).ConfigureAwait(false);
        Log.LifecycleAction(_logger, id, "warning", detail);
        return new LifecycleAction(id, "warning", true, detail);
    }
}
