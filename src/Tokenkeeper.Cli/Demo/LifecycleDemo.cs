using Microsoft.Extensions.Time.Testing;
using Spectre.Console;
using Tokenkeeper.Cli.Infrastructure;
using Tokenkeeper.Connections;
using Tokenkeeper.Hosting;
using Tokenkeeper.Lifecycle;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;
using Tokenkeeper.Simulator;
using Tokenkeeper.Storage;
using Tokenkeeper.Events;

namespace Tokenkeeper.Cli.Demo;

/// <summary>
/// <c>tokenkeeper demo --lifecycle</c>: months of schedule on a fake clock, against in-process simulators on the same clock.
/// Four connections whose refresh tokens nothing else exercises (stories 2 and 3): each gets a 2 AM daily lifecycle pass —
/// keep-alives scheduled into that window, warnings, a probe when a deadline is reached. Then the same schedule with
/// keep-alive off, to show the outage it prevents.
/// </summary>
internal static class LifecycleDemo
{
    /// <summary>Day 0, 02:00 UTC: every grant is authorised at the start of the first 2 AM window.</summary>
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 2, 0, 0, TimeSpan.Zero);

    /// <summary>The 2 AM window.</summary>
    public static readonly TimeOnly Window = new(2, 0);

    /// <summary>The demo's connections: what the simulator plays and what Tokenkeeper's profile knows.</summary>
    public static IReadOnlyList<DemoConnection> Connections { get; } =
    [
        new("salesforce", "12 h sessions, no expires_in, refresh token dies after 30 days unused",
            () => With(SimulatorOptions.ForPersonality("salesforce"), o => { o.AccessTtl = TimeSpan.FromHours(12); o.RefreshIdleTtl = TimeSpan.FromDays(30); }),
            ProviderProfiles.Salesforce with { AccessTokenLifetime = TimeSpan.FromHours(12) }),
        new("analytics", "1 h tokens, refresh token expires 90 days after authorisation",
            () => new SimulatorOptions { AccessTtl = TimeSpan.FromHours(1), RefreshAbsoluteTtl = TimeSpan.FromDays(90) },
            ProviderProfiles.Generic with { Name = "analytics", RefreshTokenAbsoluteLifetime = TimeSpan.FromDays(90) }),
        new("xero", "30 min tokens, rotation with a 30-minute grace, refresh token dies after 60 days unused",
            () => SimulatorOptions.ForPersonality("xero"),
            ProviderProfiles.Xero),
        new("google-testing", "1 h tokens, app in testing: refresh token expires 7 days after authorisation",
            () => new SimulatorOptions { AccessTtl = TimeSpan.FromHours(1), RefreshAbsoluteTtl = TimeSpan.FromDays(7) },
            ProviderProfiles.GoogleTesting),
    ];

    /// <summary>Runs the demo: the schedule with keep-alive, then without; prints a timeline and a comparison (or the JSON).
    /// Exit code 0 when the connections that keep-alive can save stayed alive all along, 1 otherwise.</summary>
    public static async Task<int> RunAsync(int days, bool json, CancellationToken cancellationToken)
    {
        if (days < 1)
        {
            throw new TokenkeeperConfigurationException("--days must be at least 1.");
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var with = await SimulateAsync(days, keepAlive: true, cancellationToken).ConfigureAwait(false);
        var without = await SimulateAsync(days, keepAlive: false, cancellationToken).ConfigureAwait(false);
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        var saved = with.Connections.Where(c => c.KeepaliveRefreshes > 0).ToList();
        var ok = saved.Count > 0 && saved.All(c => c.FinalState == nameof(ConnectionState.Active));
        if (json)
        {
            CliJson.Write(new
            {
                days,
                connections = with.Connections.Select(c => new
                {
                    id = c.Id,
                    final_state = c.FinalState,
                    final_reason = c.FinalReason,
                    keepalive_refreshes = c.KeepaliveRefreshes,
                    warnings = c.Warnings.Select(w => new { day = w.Day, days_left = w.DaysLeft }),
                    state_changes = c.StateChanges.Select(s => new { day = s.Day, from = s.From, to = s.To, reason = s.Reason }),
                }),
                without_keepalive = without.Connections.Select(c => new { id = c.Id, final_state = c.FinalState, failed_on_day = c.FailedOnDay }),
                elapsed_ms = (long)elapsed.TotalMilliseconds,
            });
            return ok ? ExitCodes.Ok : ExitCodes.Error;
        }

        Render(days, with, without, elapsed);
        return ok ? ExitCodes.Ok : ExitCodes.Error;
    }

    private static void Render(int days, DemoRun with, DemoRun without, TimeSpan elapsed)
    {
        AnsiConsole.Write(new Rule($"[bold]Tokenkeeper lifecycle demo: {days} days on a fake clock[/]").LeftJustified());
        var cast = new Table().Border(TableBorder.Rounded).AddColumns("connection", "what its provider does");
        foreach (var c in Connections)
        {
            cast.AddRow($"[bold]{c.Id}[/]", Markup.Escape(c.Description));
        }

        AnsiConsole.Write(cast);
        AnsiConsole.MarkupLine("[grey]Nothing but the lifecycle service exercises these refresh tokens (stories 2 and 3): each connection gets a 2 AM daily pass.[/]");
        AnsiConsole.WriteLine();
        AnsiConsole.Write(new Rule("[bold]with keep-alive[/]").LeftJustified());
        var timeline = new Table().Border(TableBorder.Simple).AddColumns("day", "connection", "what happened");
        foreach (var entry in with.Connections.SelectMany(c => c.Timeline).OrderBy(e => e.Day).ThenBy(e => e.ConnectionId, StringComparer.Ordinal))
        {
            var colour = entry.Kind switch { "keep-alive" => "green", "warning" => "yellow", _ => "red" };
            timeline.AddRow(entry.Day.ToString(System.Globalization.CultureInfo.InvariantCulture), entry.ConnectionId, $"[{colour}]{entry.Kind}[/] {Markup.Escape(entry.What)}");
        }

        AnsiConsole.Write(timeline);
        AnsiConsole.Write(new Rule("[bold]the same schedule, keep-alive switched off[/]").LeftJustified());
        var compare = new Table().Border(TableBorder.Rounded).AddColumns("connection", "with keep-alive", "without", "");
        foreach (var c in with.Connections)
        {
            var other = without.Connections.Single(o => o.Id == c.Id);
            var verdict = c.FinalState == other.FinalState
                ? "[grey]same: an absolute deadline cannot be moved; the warnings are what help[/]"
                : $"[green]keep-alive prevented an outage on day {other.FailedOnDay}[/]";
            compare.AddRow(
                $"[bold]{c.Id}[/]",
                $"{StateMarkup(c.FinalState)} ({c.KeepaliveRefreshes} keep-alives, {c.Warnings.Count} warnings)",
                $"{StateMarkup(other.FinalState)}{(other.FailedOnDay is { } day ? $" from day {day}" : "")}",
                verdict);
        }

        AnsiConsole.Write(compare);
        AnsiConsole.MarkupLine($"[grey]{days * 2} simulated days in {elapsed.TotalSeconds:0.0} s.[/]");
    }

    private static string StateMarkup(string state) => state == nameof(ConnectionState.Active) ? $"[green]{state}[/]" : $"[red]{state}[/]";

    /// <summary>Runs the schedule for <paramref name="days"/> days, with or without keep-alive.</summary>
    public static async Task<DemoRun> SimulateAsync(int days, bool keepAlive, CancellationToken cancellationToken)
    {
        var clock = new FakeTimeProvider(Start); // the demo's calendar: moved a day at a time, timers fire as it passes them
        var store = new InMemoryTokenStore(clock);
        var simulators = new List<SimulatorServer>();
        using var http = new HttpClient(TokenEndpointClient.CreateDefaultHandler());
        await using var manager = new TokenManager(store, new TokenEndpointClient(http, clock), timeProvider: clock);
        try
        {
            foreach (var connection in Connections)
            {
                var simulator = await SimulatorServer.StartAsync(connection.Simulator(), clock, ct: cancellationToken);
                simulators.Add(simulator);
                var grant = await simulator.CreateGrantAsync("demo-client", "test-user", "contacts:read");
                await manager.RegisterAsync(
                    new ConnectionOptions
                    {
                        Profile = connection.Profile,
                        TokenEndpoint = simulator.TokenEndpoint,
                        ClientId = "demo-client",
                        ClientSecret = "demo-secret",
                        ClientAuthMethod = ClientAuthMethod.ClientSecretBasic,
                        RefreshToken = grant.RefreshToken,
                    }.ToDefinition(connection.Id),
                    cancellationToken);
            }

            var service = new LifecycleService(manager, new LifecycleOptions { KeepAlive = keepAlive, DailyWindow = Window });
            for (var day = 0; day <= days; day++)
            {
                clock.SetUtcNow(Start.AddDays(day));
                await service.RunDueAsync(cancellationToken);
            }

            var records = await store.ListAsync(cancellationToken);
            var events = store.Events;
            return new DemoRun(days, keepAlive, [.. Connections.Select(c => Summarise(c.Id, records.Single(r => r.ConnectionId == c.Id), events))]);
        }
        finally
        {
            foreach (var simulator in simulators)
            {
                await simulator.DisposeAsync();
            }
        }
    }

    /// <summary>The day (from 0) an instant falls on.</summary>
    public static int DayOf(DateTimeOffset at) => (int)Math.Floor((at - Start).TotalDays + 1e-9);

    private static DemoConnectionResult Summarise(string id, ConnectionRecord record, IReadOnlyList<ConnectionEvent> all)
    {
        var events = all.Where(e => e.ConnectionId == id).ToList();
        var timeline = new List<DemoTimelineEntry>();
        foreach (var e in events)
        {
            switch (e.Type)
            {
                case ConnectionEventTypes.Refreshed when e.Reason == "keepalive":
                    timeline.Add(new(DayOf(e.OccurredAt), id, "keep-alive", $"refresh token exercised ({Data(e, "refresh_token")})"));
                    break;
                case ConnectionEventTypes.ExpiryWarning:
                    timeline.Add(new(DayOf(e.OccurredAt), id, "warning", $"refresh token expires in {Data(e, "days_left")} day(s)"));
                    break;
                case ConnectionEventTypes.StateChanged when Data(e, "from") != "none":
                    timeline.Add(new(DayOf(e.OccurredAt), id, "state", $"{Data(e, "from")} → {Data(e, "to")} ({e.Reason})"));
                    break;
            }
        }

        var changes = events.Where(e => e.Type == ConnectionEventTypes.StateChanged && e.Data?["from"] != "none")
            .Select(e => new DemoStateChange(DayOf(e.OccurredAt), e.Data!["from"], e.Data["to"], e.Reason ?? ""))
            .ToList();
        return new DemoConnectionResult(
            id,
            record.Status.State.ToString(),
            record.Status.Reason,
            events.Count(e => e.Type == ConnectionEventTypes.Refreshed && e.Reason == "keepalive"),
            [.. events.Where(e => e.Type == ConnectionEventTypes.ExpiryWarning).Select(e => new DemoWarning(DayOf(e.OccurredAt), int.Parse(e.Data!["days_left"], System.Globalization.CultureInfo.InvariantCulture)))],
            changes,
            changes.FirstOrDefault(c => c.To == nameof(ConnectionState.ReconnectRequired))?.Day,
            timeline);
    }

    private static string? Data(ConnectionEvent e, string key) => e.Data?.GetValueOrDefault(key);

    private static SimulatorOptions With(SimulatorOptions options, Action<SimulatorOptions> change)
    {
        change(options);
        return options;
    }
}

/// <summary>One demo connection.</summary>
internal sealed record DemoConnection(string Id, string Description, Func<SimulatorOptions> Simulator, ProviderProfile Profile);

/// <summary>A run of the schedule.</summary>
internal sealed record DemoRun(int Days, bool KeepAlive, IReadOnlyList<DemoConnectionResult> Connections);

/// <summary>What happened to one connection.</summary>
internal sealed record DemoConnectionResult(string Id, string FinalState, string FinalReason, int KeepaliveRefreshes, IReadOnlyList<DemoWarning> Warnings, IReadOnlyList<DemoStateChange> StateChanges, int? FailedOnDay, IReadOnlyList<DemoTimelineEntry> Timeline);

/// <summary>A warning, by day.</summary>
internal sealed record DemoWarning(int Day, int DaysLeft);

/// <summary>A state change, by day.</summary>
internal sealed record DemoStateChange(int Day, string From, string To, string Reason);

/// <summary>A line of the printed timeline.</summary>
internal sealed record DemoTimelineEntry(int Day, string ConnectionId, string Kind, string What);
