using System.CommandLine;
using Spectre.Console;
using Tokenkeeper.Cli.Infrastructure;
using Tokenkeeper.Connections;
using Tokenkeeper.Lifecycle;

namespace Tokenkeeper.Cli.Commands;

/// <summary><c>tokenkeeper connections list|show</c>: what the store knows about each connection, its health and its plan.</summary>
internal static class ConnectionsCommand
{
    public static Command Create()
    {
        var command = new Command("connections", "Inspect the connections in a store.");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Show());
        return command;
    }

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
            var rows = records.Select(r => ConnectionSummary.From(r, planner.Plan(r, ProfileOf(r.Registration.Provider)), now)).ToList();
            if (parse.GetValue(json))
            {
                CliJson.Write(new { connections = rows });
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("id", "provider", "state", "access token", "idle deadline", "absolute deadline", "last refresh", "failures");
            foreach (var row in rows)
            {
                table.AddRow(
                    Markup.Escape(row.Id),
                    row.Provider,
                    StateMarkup(row.State, row.Reason),
                    row.AccessTokenExpiresAt is null ? "-" : Humanize.Relative(row.AccessTokenExpiresAt, now),
                    Humanize.When(row.IdleDeadline, now),
                    Humanize.When(row.AbsoluteDeadline, now),
                    Humanize.Relative(row.LastRefresh, now),
                    row.ConsecutiveFailures.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            AnsiConsole.Write(rows.Count == 0 ? new Markup("[grey]no connections[/]\n") : table);
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
                ?? throw new TokenkeeperConfigurationException($"The store has no connection '{connectionId}'.");
            var now = DateTimeOffset.UtcNow;
            var plan = new LifecyclePlanner(new LifecycleOptions()).Plan(record, ProfileOf(record.Registration.Provider));
            var events = await opened.ReadAsync(connectionId, 20, cancellationToken);
            var detail = ConnectionDetail.From(record, plan, events, now);
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
            grid.AddRow("access token", $"{detail.AccessToken}, expires {Humanize.When(c.AccessTokenExpiresAt, now)}");
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
                grid.AddRow("last error", Markup.Escape(c.LastError));
            }

            if (detail.PendingRefresh is { } pending)
            {
                grid.AddRow("in doubt", $"refresh of generation {pending.Generation} by {Markup.Escape(pending.Owner)} at {Humanize.When(pending.StartedAt, now)}{(pending.ResponseLost ? ", response lost" : "")}");
            }

            AnsiConsole.Write(new Panel(grid).Header($" {Markup.Escape(c.Id)} "));
            var history = new Table().Title("history").AddColumns("when", "from", "to", "reason", "detail");
            foreach (var step in detail.History.TakeLast(10))
            {
                history.AddRow(Humanize.When(step.At, now), step.From.ToString(), step.To.ToString(), step.Reason, Markup.Escape(step.Detail ?? ""));
            }

            var recent = new Table().Title("recent events").AddColumns("when", "event", "reason", "detail");
            foreach (var e in detail.RecentEvents.TakeLast(10))
            {
                recent.AddRow(Humanize.When(e.OccurredAt, now), e.Type, e.Reason ?? "", Markup.Escape(e.Detail ?? ""));
            }

            AnsiConsole.Write(history);
            AnsiConsole.Write(recent);
            return ExitCodes.Ok;
        }));
        return command;
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
