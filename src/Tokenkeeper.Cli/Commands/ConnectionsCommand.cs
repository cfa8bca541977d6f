using System.CommandLine;
using Spectre.Console;
using Tokenkeeper.Storage;
using Tokenkeeper.Cli.Infrastructure;
using Tokenkeeper.Connections;
using Tokenkeeper.Lifecycle;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;
using Tokenkeeper.Events;

namespace Tokenkeeper.Cli.Commands;

/// <summary><c>tokenkeeper connections list|show|disable|enable</c>: what the store knows about each connection, its health and its plan.</summary>
internal static class ConnectionsCommand
{
    public static Command Create()
    {
        var command = new Command("connections", "Inspect the connections in a store.");
        command.Subcommands.Add(ConnectionsAddCommand.Create());
        command.Subcommands.Add(ConnectionsRemoveCommand.Create());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Show());
        command.Subcommands.Add(Disable());
        command.Subcommands.Add(Enable());
        return command;
    }

    private static readonly string[] ListColumns = ["id", "provider", "state", "access token", "idle deadline", "absolute deadline", "last refresh", "failures"];

    /// <summary>Which columns of <c>connections list</c> stay when the terminal is narrow, most important first: the id, its state,
    /// whether a token is usable now, failures, then the deadlines, the last refresh, the provider.</summary>
    private static readonly int[] ListColumnPriority = [0, 2, 3, 7, 5, 4, 6, 1];

    private static Command List()
    {
        var store = new StoreOptions();
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table." };
        var command = new Command("list", "List connections: state, access-token expiry, refresh-token deadlines, last refresh, failures.");
        store.AddTo(command);
        command.Options.Add(json);
        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(async () =>
        {
            using var opened = store.OpenExisting(parse);
            var now = DateTimeOffset.UtcNow;
            var planner = new LifecyclePlanner(new LifecycleOptions());
            var records = await opened.ListAsync(cancellationToken);
            var rows = records.Select(r => ConnectionSummary.From(r, planner.Plan(r, ProfileOf(r.Registration.Provider), now), now)).ToList();
            if (parse.GetValue(json))
            {
                CliJson.Write(new { connections = rows });
                return ExitCodes.Ok;
            }

            if (rows.Count == 0)
            {
                AnsiConsole.Write(new Markup("[grey]no connections[/]\n"));
                return ExitCodes.Ok;
            }

            var cells = rows.Select(row => (IReadOnlyList<string>)
            [
                Markup.Escape(row.Id),
                Markup.Escape(row.Provider),
                StateMarkup(row.State, row.Reason),
                Humanize.Expiry(row.AccessTokenExpiresAt, now),
                Humanize.When(row.IdleDeadline, now),
                Humanize.When(row.AbsoluteDeadline, now),
                Humanize.Relative(row.LastRefresh, now),
                row.ConsecutiveFailures.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ]).ToList();
            var widths = ColumnFit.NaturalWidths(ListColumns, cells.Select(c => (IReadOnlyList<string>)[.. c.Select(Markup.Remove)]));
            var shown = ColumnFit.Fit(widths, ListColumnPriority, AnsiConsole.Profile.Width);
            var table = new Table();
            foreach (var column in shown)
            {
                table.AddColumn(new TableColumn(ListColumns[column]).NoWrap()); // every column fits whole: nothing is cut
            }

            foreach (var row in cells)
            {
                table.AddRow([.. shown.Select(column => row[column])]);
            }

            AnsiConsole.Write(table);
            if (shown.Count < ListColumns.Length)
            {
                var left = ListColumns.Where((_, i) => !shown.Contains(i));
                AnsiConsole.MarkupLine($"[grey]{Markup.Escape($"Left out to fit {AnsiConsole.Profile.Width} columns: {string.Join(", ", left)} (widen the terminal, or --json).")}[/]");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Show()
    {
        var store = new StoreOptions();
        var id = new Argument<string>("id") { Description = "The connection id." };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new Command("show", "Show one connection: registration, fingerprints, history, plan, recent events.");
        command.Arguments.Add(id);
        store.AddTo(command);
        command.Options.Add(json);
        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(async () =>
        {
            using var opened = store.OpenExisting(parse);
            var connectionId = parse.GetValue(id)!;
            var record = await opened.GetAsync(connectionId, cancellationToken)
                ?? throw await UnknownConnectionAsync(opened, connectionId, cancellationToken);
            var now = DateTimeOffset.UtcNow;
            var plan = new LifecyclePlanner(new LifecycleOptions()).Plan(record, ProfileOf(record.Registration.Provider), now);
            var events = await opened.ReadAsync(connectionId, 20, cancellationToken);
            var detail = ConnectionDetail.From(record, plan, events, await opened.GetKeptAsync(connectionId, cancellationToken), now);
            if (parse.GetValue(json))
            {
                CliJson.Write(detail);
                return ExitCodes.Ok;
            }

            var c = detail.Connection;
            var grid = new Grid().AddColumn().AddColumn();
            grid.AddRow("state", StateMarkup(c.State, c.Reason) + (record.Status.Detail is { } why ? $" [grey]{Markup.Escape(why)}[/]" : ""));
            grid.AddRow("provider", c.Provider);
            grid.AddRow("token endpoint", Markup.Escape(detail.TokenEndpoint));
            grid.AddRow("client", $"{Markup.Escape(detail.ClientId)} (secret {detail.ClientSecret})");
            grid.AddRow("grant", $"{detail.Grant} {Markup.Escape(detail.Scope ?? "")}");
            grid.AddRow("access token", $"{detail.AccessToken}, {Humanize.Expiry(c.AccessTokenExpiresAt, now)}{(c.AccessTokenExpiresAt is { } at ? $" ({Humanize.Stamp(at)})" : "")}");
            grid.AddRow("refresh token", $"{detail.RefreshToken}, generation {detail.RefreshTokenGeneration}");
            grid.AddRow("authorised", Humanize.When(detail.AuthorizedAt, now));
            grid.AddRow("last refresh", Humanize.When(c.LastRefresh, now));
            grid.AddRow("idle deadline", Humanize.When(c.IdleDeadline, now));
            grid.AddRow("absolute deadline", Humanize.When(c.AbsoluteDeadline, now));
            grid.AddRow("next keep-alive", Humanize.When(c.NextKeepAlive, now));
            grid.AddRow("warnings to come", detail.UpcomingWarnings.Count == 0 ? "-" : string.Join(", ", detail.UpcomingWarnings.Select(w => $"{w.DaysBefore}d before, {Humanize.When(w.At, now)}")));
            grid.AddRow("failures in a row", $"{c.ConsecutiveFailures}{(detail.NextAttemptAt is { } next && next > now ? $", next attempt {Humanize.When(next, now)}" : "")}");
            if (c.LastError is not null)
            {
                grid.AddRow("last error", Markup.Escape(c.LastError) + (c.LastFailureCause is { } cause ? $" [grey](cause: {FailureCauses.Name(cause)})[/]" : ""));
            }

            if (detail.PendingRefresh is { } pending)
            {
                grid.AddRow("in doubt", $"refresh of generation {pending.Generation} by {Markup.Escape(pending.Owner)} at {Humanize.When(pending.StartedAt, now)}{(pending.ResponseLost ? ", response lost" : "")}");
            }

            if (detail.Kept is { } kept)
            {
                grid.AddRow("kept beside the store", $"refresh token {kept.RefreshToken}, kept by {Markup.Escape(kept.KeptBy)} {Humanize.When(kept.KeptAt, now)} when the store would not take it (it replaces generation {kept.ReplacesGeneration}); the next run stores it before refreshing");
            }

            AnsiConsole.Write(new Panel(grid).Header($" {Markup.Escape(c.Id)} "));
            var history = new Table().Title("history").AddColumns("when", "from", "to", "reason", "detail");
            foreach (var step in detail.History.TakeLast(10))
            {
                history.AddRow(Humanize.When(step.At, now), step.From.ToString(), step.To.ToString(), step.Reason, Markup.Escape(step.Detail ?? ""));
            }

            var recent = new Table().Title("recent events").AddColumns("when", "event", "cause", "reason", "detail", "delivery");
            foreach (var e in detail.RecentEvents.TakeLast(10))
            {
                recent.AddRow(Humanize.When(e.OccurredAt, now), e.Type, e.Cause is { } cause ? FailureCauses.Name(cause) : "", e.Reason ?? "", Markup.Escape(e.Detail ?? ""), Markup.Escape(DeliverySummary(e.Deliveries, now)));
            }

            AnsiConsole.Write(history);
            AnsiConsole.Write(recent);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Disable()
    {
        var store = new StoreOptions();
        var id = new Argument<string>("id") { Description = "The connection id." };
        var reason = new Option<string?>("--reason") { Description = "Why, for the history and the alert (e.g. a ticket number)." };
        var json = new Option<bool>("--json") { Description = "Print the connection's new state as JSON." };
        var command = new Command("disable", "Switch a connection off: no token is served and nothing is refreshed until it is enabled.");
        command.Arguments.Add(id);
        store.AddTo(command);
        command.Options.Add(reason);
        command.Options.Add(json);
        command.SetAction((parse, cancellationToken) => ChangeStateAsync(store, parse, parse.GetValue(id)!, parse.GetValue(json),
            (manager, connectionId) => manager.DisableAsync(connectionId, parse.GetValue(reason), cancellationToken), cancellationToken));
        return command;
    }

    private static Command Enable()
    {
        var store = new StoreOptions();
        var id = new Argument<string>("id") { Description = "The connection id." };
        var json = new Option<bool>("--json") { Description = "Print the connection's new state as JSON." };
        var command = new Command("enable", "Switch a disabled connection back on (Active, or PendingAuthorization when it holds no tokens).");
        command.Arguments.Add(id);
        store.AddTo(command);
        command.Options.Add(json);
        command.SetAction((parse, cancellationToken) => ChangeStateAsync(store, parse, parse.GetValue(id)!, parse.GetValue(json),
            (manager, connectionId) => manager.EnableAsync(connectionId, cancellationToken), cancellationToken));
        return command;
    }

    private static Task<int> ChangeStateAsync(StoreOptions store, ParseResult parse, string connectionId, bool json, Func<TokenManager, string, Task<ConnectionStatus>> change, CancellationToken cancellationToken) =>
        CommandErrors.RunAsync(async () =>
        {
            using var opened = store.OpenExisting(parse);
            if (await opened.GetAsync(connectionId, cancellationToken) is null)
            {
                throw await UnknownConnectionAsync(opened, connectionId, cancellationToken);
            }

            using var http = new HttpClient(TokenEndpointClient.CreateDefaultHandler());
            await using var manager = new TokenManager(opened, new TokenEndpointClient(http));
            var status = await change(manager, connectionId);
            if (json)
            {
                CliJson.Write(new { id = connectionId, state = status.State.ToString(), reason = status.Reason, since = status.Since });
            }
            else
            {
                AnsiConsole.MarkupLine($"{Markup.Escape(connectionId)}: {StateMarkup(status.State.ToString(), status.Reason)}");
            }

            return ExitCodes.Ok;
        });

    /// <summary>"No such connection", with the ids the store does hold (or that it holds none), so a typo is one look away.</summary>
    internal static async Task<TokenkeeperConfigurationException> UnknownConnectionAsync(ITokenStore store, string connectionId, CancellationToken cancellationToken)
    {
        var ids = (await store.ListAsync(cancellationToken)).Select(r => r.ConnectionId).ToList();
        var holds = ids.Count == 0
            ? "It holds no connections yet: a sync registers those its job file declares."
            : $"It holds: {string.Join(", ", ids)}.";
        return new TokenkeeperConfigurationException($"The store has no connection '{connectionId}'. {holds}");
    }

    /// <summary>One line per sink: delivered, dead-lettered, or the attempts so far and the last error.</summary>
    /// <summary>Where an event went: each sink's delivery, or that nothing has sent it, and whether any webhook has seen it (only
    /// the log sink did: no webhook was configured for the <c>lifecycle run</c> that delivered it).</summary>
    internal static string DeliverySummary(IReadOnlyList<DeliveryState> deliveries, DateTimeOffset now)
    {
        if (deliveries.Count == 0)
        {
            return "not sent: no lifecycle run has delivered it yet (webhooks: lifecycle run --webhook URL)";
        }

        var each = string.Join("; ", deliveries.Select(d => d switch
        {
            { DeliveredAt: { } at } => $"{d.Sink}: delivered {Humanize.When(at, now)}",
            { DeadLetteredAt: { } at } => $"{d.Sink}: DEAD-LETTERED after {d.Attempts} attempts ({d.LastError})",
            _ => $"{d.Sink}: {d.Attempts} attempt(s){(d.LastError is { } error ? $", last: {error}" : "")}",
        }));
        return deliveries.All(d => d.Sink == LifecycleConstants.LogSink) ? each + "; no webhook configured" : each;
    }

    internal static ProviderProfile ProfileOf(string provider) => ProviderProfiles.TryGet(provider, out var profile) ? profile : ProviderProfiles.Generic;

    internal static string StateMarkup(string state, string reason) => state switch
    {
        nameof(ConnectionState.Active) => $"[green]{state}[/]",
        nameof(ConnectionState.Degraded) => $"[yellow]{state}[/] [grey]({reason})[/]",
        nameof(ConnectionState.ReconnectRequired) => $"[red]{state}[/] [grey]({reason})[/]",
        _ => $"[grey]{state}[/]",
    };
}
