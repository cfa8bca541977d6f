using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tokenkeeper.Diagnostics;
using Tokenkeeper.Protocol;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Refresh;

/// <summary>
/// Keeps every connection's access token valid: cached tokens served lock-free, refresh-ahead in the background,
/// one refresh per connection in flight, leased and compare-and-swap-committed refreshes shared safely with other
/// processes through the store, and typed failures that never destroy stored credentials (DESIGN.md contracts 1-8).
/// </summary>
/// <remarks>Create one per process (per store), or let <c>AddTokenkeeper()</c> do it. The work is done by the parts it wires
/// (docs/engine.md): the refresh path (<see cref="RefreshEngine"/>), the connection registry, the operator actions and the
/// source cache. Connections (declare, register, status, operator actions) are in TokenManager.Connections.cs.</remarks>
public sealed partial class TokenManager : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _stopGate = new();
    private Task? _stopped;
    private readonly TokenManagerOptions _options;
    private readonly ILogger _logger;
    private readonly bool _ownsMetrics;
    private readonly RefreshEngine _engine;
    private readonly ConnectionRegistry _registry;
    private readonly RecordUpdater _updater;
    private readonly TokenSourceCache _sources;
    private readonly OperatorActions _operator;
    private readonly AuthLoopAlerts _authLoops;

    /// <summary>Creates a manager.</summary>
    /// <param name="store">The store: the single source of truth for tokens.</param>
    /// <param name="client">The token endpoint client.</param>
    /// <param name="options">Refresh options; defaults when null.</param>
    /// <param name="timeProvider">The clock. Default <see cref="TimeProvider.System"/>.</param>
    /// <param name="loggerFactory">Logging; nothing is logged when null.</param>
    /// <param name="connections">Connections declared in code, registered in the store on first use.</param>
    public TokenManager(
        ITokenStore store,
        TokenEndpointClient client,
        TokenManagerOptions? options = null,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null,
        IEnumerable<ConnectionDefinition>? connections = null)
        : this(store, client, options, timeProvider, loggerFactory, metrics: null, connections)
    {
    }

    /// <summary>Creates a manager that records into <paramref name="metrics"/> (shared with the host's other parts); a private meter when null.</summary>
    internal TokenManager(
        ITokenStore store,
        TokenEndpointClient client,
        TokenManagerOptions? options,
        TimeProvider? timeProvider,
        ILoggerFactory? loggerFactory,
        TokenkeeperMetrics? metrics,
        IEnumerable<ConnectionDefinition>? connections = null,
        Func<double>? random = null)
    {
        Random = random ?? System.Random.Shared.NextDouble;
        Store = store ?? throw new ArgumentNullException(nameof(store));
        ArgumentNullException.ThrowIfNull(client);
        _options = options ?? new TokenManagerOptions();
        _options.Validate();
        LeaseOwners.Started(_options.InstanceId);
        TimeProvider = timeProvider ?? TimeProvider.System;
        _ownsMetrics = metrics is null;
        Metrics = metrics ?? new TokenkeeperMetrics();
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Tokenkeeper");
        var stopping = _stopping.Token;
        _updater = new RecordUpdater(Store, TimeProvider, Metrics);
        _registry = new ConnectionRegistry(Store, TimeProvider, _updater, _logger, id => _sources!.Get(id).Reset(), stopping);
        foreach (var definition in connections ?? [])
        {
            Define(definition);
        }

        RateLimiter = new TokenEndpointRateLimiter(TimeProvider, _options.TokenEndpointRequestsPerSecond, _options.TokenEndpointBurst);
        _engine = new RefreshEngine(new RefreshContext(
            Store,
            client,
            TimeProvider,
            _options,
            Metrics,
            _logger,
            RateLimiter,
            new TokenRequestFactory(TimeProvider, _options),
            new ClientHealth(),
            _registry.GetProfile,
            new RefreshTimings(_options, client.Timeout, Random)));
        _sources = new TokenSourceCache(id => new ConnectionTokenSource(id, _engine, ct => _registry.EnsureRegisteredAsync(id, ct), stopping));
        _operator = new OperatorActions(_registry, _updater, _sources, _engine, _logger);
        _authLoops = new AuthLoopAlerts(Store, TimeProvider);
    }

    /// <summary>The store.</summary>
    internal ITokenStore Store { get; }

    /// <summary>The source of every random draw (back-off jitter here and in this manager's handlers): a uniform value in [0, 1).
    /// <see cref="System.Random.Shared"/> unless a test gives a fixed one.</summary>
    internal Func<double> Random { get; }

    /// <summary>The clock.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>Counters and instruments (refreshes, joins, replays, conflicts, …).</summary>
    internal TokenkeeperMetrics Metrics { get; }

    /// <summary>This instance's id in leases and intents.</summary>
    public string InstanceId => _options.InstanceId;

    internal TokenEndpointRateLimiter RateLimiter { get; }

    internal ILogger Logger => _logger;

    /// <summary>The token source of a connection: what the HTTP handler and jobs ask for tokens.</summary>
    public IAccessTokenSource GetSource(string connectionId) => _sources.Get(connectionId);

    /// <summary>Returns a valid access token for <paramref name="connectionId"/> (see <see cref="IAccessTokenSource.GetTokenAsync"/>).</summary>
    /// <exception cref="TokenAcquisitionException">No usable token can be had.</exception>
    public ValueTask<ManagedAccessToken> GetAccessTokenAsync(string connectionId, TimeSpan minValidity = default, CancellationToken cancellationToken = default) =>
        _sources.Get(connectionId).GetTokenAsync(minValidity, cancellationToken);

    /// <summary>Refreshes now, whatever the token's age (keep-alive, operator), through the same single flight, lease and commit.</summary>
    /// <exception cref="TokenAcquisitionException">The refresh failed.</exception>
    public Task<ManagedAccessToken> RefreshAsync(string connectionId, CancellationToken cancellationToken = default) =>
        _sources.Get(connectionId).RefreshAsync(RefreshTrigger.Forced, cancellationToken);

    /// <summary>Refreshes to exercise the refresh token (keep-alive) or to probe one past its deadline.</summary>
    internal Task<ManagedAccessToken> KeepAliveAsync(string connectionId, CancellationToken cancellationToken) =>
        _sources.Get(connectionId).RefreshAsync(RefreshTrigger.KeepAlive, cancellationToken);

    /// <summary>
    /// Stops, without abandoning anything the provider may have acted on (DESIGN.md contract 4): no new refresh starts (no
    /// refresh-ahead, no retry not yet sent, no wait for a lease goes on); every token request already sent is waited for until it
    /// answers or times out (one attempt's timeout), and what it returns is committed; tokens the store would not take are stored
    /// if the store comes back within <see cref="TokenManagerOptions.StoreWaitAtStop"/>, and otherwise stay kept beside a
    /// persistent store for the next process; leases are released. Cached tokens are still served meanwhile. Idempotent.
    /// </summary>
    /// <param name="cancellationToken">A host's shutdown deadline. It does not cut the wait short (that would abandon a request the
    /// provider may have acted on, and with it a rotated refresh token); it only makes the wait say so in the log.</param>
    public Task StopAsync(CancellationToken cancellationToken = default)
    {
        Task stopped;
        lock (_stopGate)
        {
            stopped = _stopped ??= StopCoreAsync();
        }

        return stopped.IsCompleted || !cancellationToken.CanBeCanceled ? stopped : WarnIfHostGivesUpAsync(stopped, cancellationToken);
    }

    /// <summary>Stops (see <see cref="StopAsync"/>), then releases what the manager owns.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        RateLimiter.Dispose();
        if (_ownsMetrics)
        {
            Metrics.Dispose();
        }
    }

    private async Task StopCoreAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        var sources = _sources.All.ToArray();
        var inFlight = sources.Count(s => s.IsRefreshing);
        if (inFlight > 0)
        {
            Log.StoppingWithRefreshesInFlight(_logger, inFlight);
        }

        await Task.WhenAll(sources.Select(s => s.DrainAsync())).ConfigureAwait(false);

        // All at once, so stopping waits for the store once, not once per connection.
        await Task.WhenAll(sources.Select(s => _engine.KeptTokens.StoreAtStopAsync(s, _options.StoreWaitAtStop))).ConfigureAwait(false);

        // From here this instance settles nothing: a peer of this process may settle its intents (docs/engine.md, "The intent").
        LeaseOwners.Stopped(_options.InstanceId);
    }

    private async Task WarnIfHostGivesUpAsync(Task stopped, CancellationToken cancellationToken)
    {
        try
        {
            await stopped.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Log.StopOutlastsHost(_logger, _sources.All.Count(s => s.IsRefreshing));
            await stopped.ConfigureAwait(false);
        }
    }
}
