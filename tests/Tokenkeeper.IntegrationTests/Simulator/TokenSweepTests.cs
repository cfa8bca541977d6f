using Tokenkeeper.Simulator;

namespace Tokenkeeper.IntegrationTests.Simulator;

public sealed class TokenSweepTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly RegisteredClient Client = new(SimulatorClient.CreateDefault());

    [Fact]
    public void Sweep_OverTheThreshold_ForgetsOnlyTokensLongExpired_AtMostOncePerInterval()
    {
        var state = new SimulatorState(sweepThreshold: 3);
        Add(state, "old-1", expires: Start, now: Start);
        Add(state, "old-2", expires: Start, now: Start);
        Add(state, "live", expires: Start + TimeSpan.FromDays(10), now: Start);

        var later = Start + SimulatorDefaults.ExpiredTokenRetention + TimeSpan.FromSeconds(1);
        Add(state, "new-1", expires: later + TimeSpan.FromHours(1), now: later);
        var afterFirstSweep = state.AccessTokens.Keys.Order().ToArray();
        Add(state, "old-3", expires: Start, now: later);
        Add(state, "new-2", expires: later + TimeSpan.FromHours(1), now: later);

        Assert.Equal(["live", "new-1"], afterFirstSweep);
        Assert.Contains("old-3", state.AccessTokens.Keys);
    }

    private static void Add(SimulatorState state, string token, DateTimeOffset expires, DateTimeOffset now) =>
        state.AddAccessToken(token, new AccessTokenRecord(Client, "u", ["contacts:read"], null, expires - TimeSpan.FromHours(1), expires), now);
}
