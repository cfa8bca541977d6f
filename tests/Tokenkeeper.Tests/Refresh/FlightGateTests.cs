using Microsoft.Extensions.Time.Testing;
using Tokenkeeper.Diagnostics;
using Tokenkeeper.Refresh;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Tests.Refresh;

/// <summary>One refresh in flight per connection: callers join it, fail fast after it failed, and get typed errors.</summary>
public sealed class FlightGateTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new();
    private readonly TokenkeeperMetrics _metrics = new();
    private int _epoch;

    public void Dispose() => _metrics.Dispose();

    private FlightGate Gate(Func<Flight, CancellationToken, Task<ManagedAccessToken>> run, CancellationToken stopping = default) =>
        new("crm", _clock, _metrics, () => _epoch, run, stopping);

    private ManagedAccessToken Token()
    {
        var now = _clock.GetUtcNow();
        var tokens = new TokenSet { AccessToken = new AccessToken("at"), IssuedAt = now, ExpiresAt = now.AddHours(1) };
        return new ManagedAccessToken("crm", tokens, TokenWindows.Compute(tokens.IssuedAt, tokens.ExpiresAt, TokenWindowOptions.Default, 0), 1);
    }

    [Fact]
    public async Task CallersDuringAFlight_JoinIt_OnlyOneRuns()
    {
        var release = new TaskCompletionSource<ManagedAccessToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = 0;
        var gate = Gate((_, _) => { Interlocked.Increment(ref runs); return release.Task; });

        var callers = Enumerable.Range(0, 100).Select(_ => gate.StartOrJoin(RefreshTrigger.NoToken, null, TimeSpan.Zero)).ToArray();
        Assert.True(gate.IsRunning);
        release.SetResult(Token());
        var tokens = await Task.WhenAll(callers);

        Assert.Equal(1, runs);
        Assert.Single(tokens.Distinct());
        Assert.False(gate.IsRunning);
    }

    [Fact]
    public async Task AfterAFailure_CallersFailFastUntilTheRetryTime_ThenANewFlightStarts()
    {
        var runs = 0;
        var retryAt = _clock.GetUtcNow().AddSeconds(30);
        var gate = Gate((_, _) => ++runs == 1 ? throw new TokenEndpointUnavailableException("crm", "HTTP 503", null, retryAt) : Task.FromResult(Token()));

        await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => gate.StartOrJoin(RefreshTrigger.NoToken, null, TimeSpan.Zero));
        await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => gate.StartOrJoin(RefreshTrigger.NoToken, null, TimeSpan.Zero));
        Assert.Equal(retryAt.UtcTicks, gate.NotBeforeTicks);
        Assert.Equal(1, runs);

        await gate.StartOrJoin(RefreshTrigger.Forced, null, TimeSpan.Zero, ignoreBackoff: true); // forced: not held back
        Assert.Equal(2, runs);
    }

    [Fact]
    public async Task AFailureFromBeforeTheConnectionChanged_DoesNotHoldCallersBack()
    {
        var runs = 0;
        var gate = Gate((_, _) => ++runs == 1 ? throw new TokenEndpointUnavailableException("crm", "HTTP 503", null, _clock.GetUtcNow().AddHours(1)) : Task.FromResult(Token()));
        await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => gate.StartOrJoin(RefreshTrigger.NoToken, null, TimeSpan.Zero));

        _epoch++; // re-authorised
        await gate.StartOrJoin(RefreshTrigger.NoToken, null, TimeSpan.Zero);

        Assert.Equal(2, runs);
    }

    [Fact]
    public async Task OnceStopping_NoFlightStarts_AndUnexpectedFailuresAreTyped()
    {
        using var stopping = new CancellationTokenSource();
        var runs = 0;
        var gate = Gate((_, _) => { runs++; throw new InvalidOperationException("a bug"); }, stopping.Token);

        var unexpected = await Assert.ThrowsAsync<TokenAcquisitionException>(() => gate.StartOrJoin(RefreshTrigger.NoToken, null, TimeSpan.Zero, ignoreBackoff: true));
        await stopping.CancelAsync();
        var stopped = await Assert.ThrowsAsync<TokenAcquisitionException>(() => gate.StartOrJoin(RefreshTrigger.NoToken, null, TimeSpan.Zero, ignoreBackoff: true));

        Assert.IsType<InvalidOperationException>(unexpected.InnerException);
        Assert.Contains("stopping", stopped.Message, StringComparison.Ordinal);
        Assert.Equal(1, runs);
    }

    [Fact]
    public async Task AJoinIsCounted_ABackgroundRefreshAheadIsNot()
    {
        var release = new TaskCompletionSource<ManagedAccessToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = Gate((_, _) => release.Task);

        var flight = gate.StartOrJoin(RefreshTrigger.RefreshAhead, null, TimeSpan.Zero, countJoin: false);
        _ = gate.StartOrJoin(RefreshTrigger.RefreshAhead, null, TimeSpan.Zero, countJoin: false);
        _ = gate.StartOrJoin(RefreshTrigger.NoToken, null, TimeSpan.Zero);
        release.SetResult(Token());
        await flight;

        Assert.Equal(1, _metrics.SingleFlightJoins);
    }
}
