using Tokenkeeper.Connections;
using Tokenkeeper.Lifecycle;
using Tokenkeeper.Tests.Support;

namespace Tokenkeeper.Tests.Lifecycle;

/// <summary><see cref="LifecycleOptions.MaxConcurrency"/>: many keep-alives due at once reach a slow token endpoint at most that
/// many at a time, counted at the endpoint, and all of them are done.</summary>
public sealed class LifecycleConcurrencyTests
{
    private const int Connections = 7;

    /// <summary>How long the token endpoint takes to answer, on the fake clock.</summary>
    private static readonly TimeSpan SlowAnswer = TimeSpan.FromMinutes(1);

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task KeepAlivesDueAtOnce_AreInFlightAtTheTokenEndpoint_AtMostMaxConcurrencyAtATime(int maxConcurrency)
    {
        await using var f = new ManagerFixture(profile: ProviderProfiles.Xero);
        for (var i = 0; i < Connections; i++)
        {
            await f.Manager.RegisterAsync(ManagerFixture.Definition($"c{i}", f.Provider.NewRefreshToken(), ProviderProfiles.Xero));
        }

        var inFlight = 0;
        var peak = 0;
        var answered = 0;
        f.Provider.BeforeRefresh = async _ =>
        {
            var now = Interlocked.Increment(ref inFlight);
            for (var seen = Volatile.Read(ref peak); now > seen && Interlocked.CompareExchange(ref peak, now, seen) != seen; seen = Volatile.Read(ref peak))
            {
            }

            await Task.Delay(SlowAnswer, f.Clock);
            Interlocked.Decrement(ref inFlight);
            Interlocked.Increment(ref answered);
        };
        f.Clock.Advance(TimeSpan.FromDays(40)); // every keep-alive is due (a third of Xero's 60-day idle lifetime left)
        var service = new LifecycleService(f.Manager, new LifecycleOptions { MaxConcurrency = maxConcurrency });

        var pass = service.RunDueAsync();

        // Each round: exactly as many requests as allowed are held at the endpoint, then the clock lets them all answer.
        while (Volatile.Read(ref answered) < Connections)
        {
            var before = Volatile.Read(ref answered);
            var expected = Math.Min(maxConcurrency, Connections - before);
            await Waits.UntilAsync(() => Volatile.Read(ref inFlight) >= expected, () => $"{expected} requests in flight (now {Volatile.Read(ref inFlight)})");
            Assert.True(Volatile.Read(ref peak) <= maxConcurrency, $"{Volatile.Read(ref peak)} requests were in flight at once");
            f.Clock.Advance(SlowAnswer);
            await Waits.UntilAsync(() => Volatile.Read(ref answered) >= before + expected, () => $"{before + expected} answers (now {Volatile.Read(ref answered)})");
        }

        var result = await pass;

        Assert.Equal(maxConcurrency, peak);
        Assert.Equal(Connections, f.Provider.Requests);
        Assert.Equal(Connections, result.Actions.Count(a => a.Kind == "keepalive" && a.Succeeded));
    }
}
