using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Tokenkeeper.Diagnostics;

/// <summary>
/// The <c>Tokenkeeper</c> meter's instruments, plus plain counters for in-process readers (progress bars, reports, tests)
/// that should not need a metrics pipeline. Instruments carry the connection id, never a token.
/// </summary>
/// <remarks>
/// Instruments (docs/engine.md, "Diagnostics", lists their tag values): <c>tokenkeeper.refreshes</c> (tags: connection, trigger,
/// outcome), <c>tokenkeeper.singleflight.joins</c> (connection), <c>tokenkeeper.auth.replays</c> (connection, outcome),
/// <c>tokenkeeper.store.commit_conflicts</c> (connection, conflict), <c>tokenkeeper.token_endpoint.duration</c> (s; grant, outcome),
/// <c>tokenkeeper.token.remaining_lifetime</c> (s, at use; connection), <c>tokenkeeper.expiry.defaulted</c> (source),
/// <c>tokenkeeper.http.retries</c> (connection), <c>tokenkeeper.lease.waits</c> (connection), <c>tokenkeeper.token_endpoint.retries</c>
/// (connection), <c>tokenkeeper.introspections</c> (connection, answer).
/// </remarks>
internal sealed class TokenkeeperMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly Counter<long> _refreshes;
    private readonly Counter<long> _joins;
    private readonly Counter<long> _replays;
    private readonly Counter<long> _conflicts;
    private readonly Histogram<double> _endpointDuration;
    private readonly Histogram<double> _remaining;
    private readonly Counter<long> _defaulted;
    private readonly Counter<long> _httpRetries;
    private readonly Counter<long> _leaseWaits;
    private readonly Counter<long> _tokenRetries;
    private readonly Counter<long> _introspections;

    private long _refreshCount;
    private long _refreshFailureCount;
    private long _adoptionCount;
    private long _joinCount;
    private long _replayCount;
    private long _authLoopCount;
    private long _conflictCount;
    private long _endpointRequestCount;
    private long _httpRetryCount;
    private long _leaseWaitCount;
    private long _tokenRetryCount;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/> (or a private meter without one).</summary>
    public TokenkeeperMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(TokenkeeperTelemetry.Name) ?? new Meter(TokenkeeperTelemetry.Name);
        _refreshes = _meter.CreateCounter<long>("tokenkeeper.refreshes", description: "Refresh cycles by trigger and outcome.");
        _joins = _meter.CreateCounter<long>("tokenkeeper.singleflight.joins", description: "Callers that joined a refresh already in flight.");
        _replays = _meter.CreateCounter<long>("tokenkeeper.auth.replays", description: "Requests replayed after an auth failure.");
        _conflicts = _meter.CreateCounter<long>("tokenkeeper.store.commit_conflicts", description: "Compare-and-swap commits refused.");
        _endpointDuration = _meter.CreateHistogram<double>("tokenkeeper.token_endpoint.duration", unit: "s", description: "Token endpoint request latency.");
        _remaining = _meter.CreateHistogram<double>("tokenkeeper.token.remaining_lifetime", unit: "s", description: "Remaining access-token lifetime when handed out.");
        _defaulted = _meter.CreateCounter<long>("tokenkeeper.expiry.defaulted", description: "Tokens whose expiry had to be assumed.");
        _httpRetries = _meter.CreateCounter<long>("tokenkeeper.http.retries", description: "Resource requests retried after 429/5xx.");
        _leaseWaits = _meter.CreateCounter<long>("tokenkeeper.lease.waits", description: "Times a refresh waited for another instance's lease.");
        _tokenRetries = _meter.CreateCounter<long>("tokenkeeper.token_endpoint.retries", description: "Token requests sent again: a retry inside a refresh cycle, or a refresh in doubt sent again.");
        _introspections = _meter.CreateCounter<long>("tokenkeeper.introspections", description: "Introspection requests about a refresh in doubt, by answer.");
    }

    /// <summary>Successful refreshes committed by this instance.</summary>
    public long Refreshes => Interlocked.Read(ref _refreshCount);

    /// <summary>Refresh cycles that failed.</summary>
    public long RefreshFailures => Interlocked.Read(ref _refreshFailureCount);

    /// <summary>Times a peer's newer tokens were adopted instead of refreshing.</summary>
    public long Adoptions => Interlocked.Read(ref _adoptionCount);

    /// <summary>Callers that joined a refresh already in flight.</summary>
    public long SingleFlightJoins => Interlocked.Read(ref _joinCount);

    /// <summary>Requests replayed after an auth failure.</summary>
    public long AuthReplays => Interlocked.Read(ref _replayCount);

    /// <summary>Replays that were rejected again (a possible auth loop).</summary>
    public long AuthLoops => Interlocked.Read(ref _authLoopCount);

    /// <summary>Commits refused by compare-and-swap.</summary>
    public long CommitConflicts => Interlocked.Read(ref _conflictCount);

    /// <summary>Requests sent to token endpoints.</summary>
    public long TokenEndpointRequests => Interlocked.Read(ref _endpointRequestCount);

    /// <summary>Resource requests retried after 429, 5xx or a network error.</summary>
    public long HttpRetries => Interlocked.Read(ref _httpRetryCount);

    /// <summary>Times a refresh waited for another instance's lease.</summary>
    public long LeaseWaits => Interlocked.Read(ref _leaseWaitCount);

    /// <summary>Token requests sent again: the second and later attempts of a refresh cycle, and refreshes in doubt sent again.</summary>
    public long TokenRetries => Interlocked.Read(ref _tokenRetryCount);

    internal bool RemainingLifetimeEnabled => _remaining.Enabled;

    /// <summary>Counts a refresh cycle: <paramref name="outcome"/> is <c>success</c>, <c>adopted</c>, or the failure's kind or reason,
    /// tagged with its <paramref name="cause"/> (see <see cref="FailureCauses"/>) when it failed.</summary>
    internal void RecordRefresh(string connectionId, string trigger, string outcome, FailureCause? cause = null)
    {
        switch (outcome)
        {
            case "success":
                Interlocked.Increment(ref _refreshCount);
                break;
            case "adopted":
                Interlocked.Increment(ref _adoptionCount);
                break;
            default:
                Interlocked.Increment(ref _refreshFailureCount);
                break;
        }

        var tags = new TagList { { "connection", connectionId }, { "trigger", trigger }, { "outcome", outcome } };
        if (cause is { } known)
        {
            tags.Add("cause", FailureCauses.Name(known));
        }

        _refreshes.Add(1, tags);
    }

    internal void RecordJoin(string connectionId)
    {
        Interlocked.Increment(ref _joinCount);
        _joins.Add(1, new KeyValuePair<string, object?>("connection", connectionId));
    }

    internal void RecordReplay(string connectionId, string outcome)
    {
        Interlocked.Increment(ref _replayCount);
        _replays.Add(1, new TagList { { "connection", connectionId }, { "outcome", outcome } });
    }

    internal void RecordAuthLoop() => Interlocked.Increment(ref _authLoopCount);

    internal void RecordConflict(string connectionId, string conflict)
    {
        Interlocked.Increment(ref _conflictCount);
        _conflicts.Add(1, new TagList { { "connection", connectionId }, { "conflict", conflict } });
    }

    internal void RecordEndpoint(string grant, string outcome, TimeSpan elapsed)
    {
        Interlocked.Increment(ref _endpointRequestCount);
        _endpointDuration.Record(elapsed.TotalSeconds, new TagList { { "grant", grant }, { "outcome", outcome } });
    }

    internal void RecordRemaining(string connectionId, TimeSpan remaining) =>
        _remaining.Record(remaining.TotalSeconds, new KeyValuePair<string, object?>("connection", connectionId));

    internal void RecordDefaulted(string source) => _defaulted.Add(1, new KeyValuePair<string, object?>("source", source));

    internal void RecordHttpRetry(string connectionId)
    {
        Interlocked.Increment(ref _httpRetryCount);
        _httpRetries.Add(1, new KeyValuePair<string, object?>("connection", connectionId));
    }

    internal void RecordLeaseWait(string connectionId)
    {
        Interlocked.Increment(ref _leaseWaitCount);
        _leaseWaits.Add(1, new KeyValuePair<string, object?>("connection", connectionId));
    }

    internal void RecordTokenRetry(string connectionId)
    {
        Interlocked.Increment(ref _tokenRetryCount);
        _tokenRetries.Add(1, new KeyValuePair<string, object?>("connection", connectionId));
    }

    internal void RecordIntrospection(string connectionId, string answer) =>
        _introspections.Add(1, new TagList { { "connection", connectionId }, { "answer", answer } });

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
