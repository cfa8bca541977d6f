using Tokenkeeper.Connections;
using Tokenkeeper.Lifecycle;
using Tokenkeeper.Storage;
using Tokenkeeper.Tests.Support;
using Tokenkeeper.Tokens;
using Tokenkeeper.Events;

namespace Tokenkeeper.Tests.Lifecycle;

/// <summary><see cref="LifecycleOptions.WarningDays"/> set to 30, 10 and 2 days: warnings are planned and sent at those offsets
/// before the absolute deadline, and never at the defaults (14, 7, 3, 1).</summary>
public sealed class CustomWarningDaysTests
{
    private const string Id = ManagerFixture.ConnectionId;
    private static readonly IReadOnlyList<int> Custom = [30, 10, 2];
    private static readonly ProviderProfile SixtyDayGrant = ProviderProfiles.Generic with { Name = "sixty-day-grant", RefreshTokenAbsoluteLifetime = TimeSpan.FromDays(60) };

    [Fact]
    public void Planner_PlansTheConfiguredOffsets_EarliestFirst()
    {
        var authorized = new DateTimeOffset(2026, 1, 1, 2, 0, 0, TimeSpan.Zero);
        var record = new ConnectionRecord
        {
            ConnectionId = "c",
            Registration = new ConnectionRegistration { TokenEndpoint = new Uri("https://p.test/token"), ClientId = "client" },
            Tokens = TokenSets.FromRefreshToken(new RefreshToken("r"), authorized),
            Status = new ConnectionStatus(ConnectionState.Active, StateReasons.Authorized, authorized),
            AuthorizedAt = authorized,
        };
        var deadline = authorized.AddDays(60);

        var plan = new LifecyclePlanner(new LifecycleOptions { WarningDays = [2, 30, 10] }).Plan(record, SixtyDayGrant, authorized);

        Assert.Equal(deadline, plan.AbsoluteDeadline);
        Assert.Equal([new PlannedWarning(30, deadline.AddDays(-30)), new PlannedWarning(10, deadline.AddDays(-10)), new PlannedWarning(2, deadline.AddDays(-2))], plan.Warnings);
        Assert.Equal(deadline.AddDays(-30), plan.NextDueAt);
    }

    [Fact]
    public async Task Service_SendsAWarningAtEachConfiguredOffset_AndNoneAtTheDefaults()
    {
        await using var f = new ManagerFixture(profile: SixtyDayGrant);
        await f.Manager.RegisterAsync(ManagerFixture.Definition(Id, f.InitialRefreshToken, SixtyDayGrant));
        var service = new LifecycleService(f.Manager, new LifecycleOptions { WarningDays = Custom });
        var start = f.Clock.GetUtcNow();
        var deadline = start.AddDays(60);
        var warnedOn = new List<double>();

        // A pass every six hours up to the last one before the deadline.
        for (var hours = 0; hours < 60 * 24; hours += 6)
        {
            f.Clock.SetUtcNow(start.AddHours(hours));
            var pass = await service.RunDueAsync();
            if (pass.Actions.Any(a => a.Kind == "warning"))
            {
                warnedOn.Add(hours / 24.0);
            }
        }

        var warnings = ((InMemoryTokenStore)f.Store).Events.Where(e => e.Type == ConnectionEventTypes.ExpiryWarning).ToList();
        Assert.Equal([30.0, 50.0, 58.0], warnedOn);
        Assert.Equal(["30", "10", "2"], warnings.Select(w => w.Data!["days_left"]));
        Assert.Equal([start.AddDays(30), start.AddDays(50), start.AddDays(58)], warnings.Select(w => w.OccurredAt));
        Assert.All(warnings, w => Assert.Equal(deadline, DateTimeOffset.Parse(w.Data!["deadline"], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal([2, 10, 30], (await f.RecordAsync()).ExpiryWarningsSent);
        Assert.Equal(0, f.Provider.Requests);
    }

    [Fact]
    public async Task Service_AGrantShorterThanTheLargestOffsets_GetsOneWarningForThemAtOnce_ThenTheNextOffset()
    {
        await using var f = new ManagerFixture(profile: ProviderProfiles.GoogleTesting);
        await f.Manager.RegisterAsync(ManagerFixture.Definition(Id, f.InitialRefreshToken, ProviderProfiles.GoogleTesting));
        var service = new LifecycleService(f.Manager, new LifecycleOptions { WarningDays = Custom });
        var start = f.Clock.GetUtcNow();

        for (var day = 0; day < 7; day++)
        {
            f.Clock.SetUtcNow(start.AddDays(day));
            await service.RunDueAsync();
        }

        var warnings = ((InMemoryTokenStore)f.Store).Events.Where(e => e.Type == ConnectionEventTypes.ExpiryWarning).ToList();
        Assert.Equal([(start, "7"), (start.AddDays(5), "2")], warnings.Select(w => (w.OccurredAt, w.Data!["days_left"])));
        Assert.Equal([2, 10, 30], (await f.RecordAsync()).ExpiryWarningsSent);
    }
}
