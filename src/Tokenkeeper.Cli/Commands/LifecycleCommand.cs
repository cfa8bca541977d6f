using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Tokenkeeper.Cli.Infrastructure;
using Tokenkeeper.Connections;
using Tokenkeeper.Lifecycle;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;

namespace Tokenkeeper.Cli.Commands;

/// <summary><c>tokenkeeper lifecycle run|plan</c>: keep refresh tokens alive, warn before they die, deliver alerts.</summary>
internal static class LifecycleCommand
{
    /// <summary><c>lifecycle run</c>, as its exported telemetry names the command.</summary>
    public const string RunCommandName = "lifecycle run";

    public static Command Create()
    {
        var command = new Command("lifecycle", "Keep connections alive: keep-alive refreshes, expiry warnings, alerts.");
        command.Subcommands.Add(Run());
        command.Subcommands.Add(Plan());
        command.Subcommands.Add(WebhookSecretCommand());
        return command;
    }

    private static Command Run()
    {
        var store = new StoreOptions();
        var webhooks = new Option<string[]>("--webhook") { Description = "A URL that receives events as JSON POSTs signed per Standard Webhooks (repeatable).", Arity = ArgumentArity.ZeroOrMore };
        var secretFile = new Option<string?>("--webhook-secret-file") { Description = $"A file of whsec_ signing secrets, one per line; each signs every delivery (default: {WebhookSecretSource.EnvironmentVariable}, comma-separated).", HelpName = "FILE" };
        var plainSecret = new Option<string?>("--webhook-secret") { Hidden = true }; // refused with advice: a secret on the command line is visible to every user
        var reconnect = new Option<string?>("--reconnect-url") { Description = "Re-authorisation link template for alerts, with {connection} for the id." };
        var noKeepAlive = new Option<bool>("--no-keepalive") { Description = "Warn and alert, but do not refresh to keep refresh tokens alive." };
        var window = new Option<string?>("--daily-window") { Description = "Schedule keep-alives into this UTC time of day (HH:mm), e.g. 02:00." };
        var once = new Option<bool>("--once") { Description = "Run one pass and exit (for cron)." };
        var json = new Option<bool>("--json") { Description = "Print each pass as one JSON object per line (with --once: the one pass); logs go to stderr." };
        var warningDays = WarningDaysOption();
        var concurrency = new Option<int>("--concurrency") { Description = $"Connections processed at once (default {LifecycleConstants.MaxConcurrency}).", DefaultValueFactory = _ => LifecycleConstants.MaxConcurrency };
        var otlp = TelemetryExport.CreateOption();
        var command = new Command("run", "Run the lifecycle service in the foreground until Ctrl+C (or one pass with --once).");
        store.AddTo(command);
        foreach (var option in new Option[] { webhooks, secretFile, plainSecret, reconnect, noKeepAlive, window, warningDays, concurrency, once, json, otlp })
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(async () =>
        {
            // Disposed last, after the manager: the final spans and metrics are sent before the process exits.
            using var telemetry = TelemetryExport.Start(parse.GetValue(otlp), RunCommandName);
            var options = new LifecycleOptions
            {
                KeepAlive = !parse.GetValue(noKeepAlive),
                ReconnectUrlTemplate = parse.GetValue(reconnect),
                DailyWindow = parse.GetValue(window) is { } text ? ParseWindow(text) : null,
                WarningDays = ParseWarningDays(parse.GetValue(warningDays)),
                MaxConcurrency = parse.GetValue(concurrency),
            };
            var asJson = parse.GetValue(json);
            if (parse.GetValue(plainSecret) is not null)
            {
                throw new TokenkeeperConfigurationException(
                    $"--webhook-secret is no longer accepted: a secret on the command line is visible to every user of this machine. Put whsec_ secrets in a file (one per line) and pass --webhook-secret-file FILE, or set {WebhookSecretSource.EnvironmentVariable}; make one with: {CliConstants.ToolName} lifecycle webhook-secret --add FILE.");
            }

            var urls = parse.GetValue(webhooks) ?? [];
            var secrets = urls.Length == 0 ? [] : WebhookSecretSource.Resolve(parse.GetValue(secretFile), Environment.GetEnvironmentVariable, Console.Error);
            for (var i = 0; i < urls.Length; i++)
            {
                if (!Uri.TryCreate(urls[i], UriKind.Absolute, out var url))
                {
                    throw new TokenkeeperConfigurationException($"--webhook '{urls[i]}' is not an absolute URL.");
                }

                var hook = new WebhookOptions { Name = urls.Length == 1 ? "webhook" : $"webhook{i + 1}", Url = url };
                foreach (var signing in secrets)
                {
                    hook.Secrets.Add(signing);
                }

                options.Webhooks.Add(hook);
            }

            // With --json, stdout carries only JSON: the log goes to stderr.
            using var loggers = LoggerFactory.Create(b => b
                .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; })
                .AddConsole(o => o.LogToStandardErrorThreshold = asJson ? LogLevel.Trace : LogLevel.None)
                .SetMinimumLevel(LogLevel.Information));
            using var opened = store.OpenExisting(parse);
            using var http = new HttpClient(TokenEndpointClient.CreateDefaultHandler());
            await using var manager = new TokenManager(opened, new TokenEndpointClient(http), loggerFactory: loggers);
            var service = new LifecycleService(manager, options, loggerFactory: loggers);
            if (!parse.GetValue(once))
            {
                await service.RunAsync(cancellationToken, asJson ? (pass, _) => { CliJson.WriteLine(PassJson(pass)); return ValueTask.CompletedTask; } : null);
                return ExitCodes.Ok;
            }

            var pass = await service.RunDueAsync(cancellationToken);
            if (asJson)
            {
                CliJson.Write(PassJson(pass));
            }
            else
            {
                foreach (var action in pass.Actions)
                {
                    AnsiConsole.MarkupLine($"{Markup.Escape(action.ConnectionId)}: {action.Kind} {(action.Succeeded ? "[green]ok[/]" : "[red]failed[/]")} {Markup.Escape(action.Detail)}");
                }

                AnsiConsole.MarkupLine($"[grey]{pass.Actions.Count} action(s), {pass.Delivered} event deliveries; next pass due {pass.NextDueAt:u}[/]");
            }

            return pass.Actions.Any(a => !a.Succeeded) ? ExitCodes.FailedAfterRetries : ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary><c>lifecycle webhook-secret --add FILE</c>: appends a new whsec_ secret to a secret file (created readable by its owner
    /// only) and prints its fingerprint, never the secret.</summary>
    private static Command WebhookSecretCommand()
    {
        var add = new Option<string>("--add") { Description = "The secret file to add a new secret to (one whsec_ secret per line; created if missing).", Required = true, HelpName = "FILE" };
        var command = new Command("webhook-secret", "Make a new webhook signing secret (whsec_) in a file; with the old one still there, both sign until you remove it.") { add };
        command.SetAction((parse, _) => CommandErrors.RunAsync(() =>
        {
            var file = parse.GetValue(add)!;
            var secret = WebhookSecretSource.Add(file);
            var count = WebhookSecret.ParseList(File.ReadAllText(file), file, '\n').Count;
            Console.Out.WriteLine($"Added webhook secret {secret.Fingerprint} to {file} ({count} secret(s) now sign every delivery).");
            Console.Out.WriteLine($"Give the receiver the new line of {file}; once it verifies with it, remove the older lines and restart lifecycle run.");
            return Task.FromResult(ExitCodes.Ok);
        }));
        return command;
    }

    private static Command Plan()
    {
        var store = new StoreOptions();
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var noKeepAlive = new Option<bool>("--no-keepalive") { Description = "Plan as if keep-alive were off." };
        var window = new Option<string?>("--daily-window") { Description = "Plan keep-alives into this UTC time of day (HH:mm)." };
        var warningDays = WarningDaysOption();
        var command = new Command("plan", "Show what the lifecycle service will do and when: keep-alives, warnings, deadlines.");
        store.AddTo(command);
        command.Options.Add(json);
        command.Options.Add(warningDays);
        command.Options.Add(noKeepAlive);
        command.Options.Add(window);
        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(async () =>
        {
            using var opened = store.OpenExisting(parse);
            var planner = new LifecyclePlanner(new LifecycleOptions
            {
                KeepAlive = !parse.GetValue(noKeepAlive),
                DailyWindow = parse.GetValue(window) is { } text ? ParseWindow(text) : null,
                WarningDays = ParseWarningDays(parse.GetValue(warningDays)),
            });
            var now = DateTimeOffset.UtcNow;
            var plans = (await opened.ListAsync(cancellationToken)).Select(r => planner.Plan(r, ConnectionsCommand.ProfileOf(r.Registration.Provider), now)).ToList();
            var steps = plans.SelectMany(Steps).OrderBy(s => s.At).ToList();
            if (parse.GetValue(json))
            {
                CliJson.Write(new { connections = plans, schedule = steps });
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("when", "connection", "what");
            foreach (var step in steps)
            {
                table.AddRow(Humanize.When(step.At, now), Markup.Escape(step.ConnectionId), Markup.Escape(step.What));
            }

            if (steps.Count > 0)
            {
                AnsiConsole.Write(table);
            }

            // A line per connection: what happens next and when, or why nothing does.
            foreach (var plan in plans)
            {
                AnsiConsole.WriteLine($"{plan.ConnectionId}: {NextFor(plan, now)}");
            }

            if (plans.Count == 0)
            {
                AnsiConsole.WriteLine("no connections in the store");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>The next thing the lifecycle service does for a connection, or why it does nothing.</summary>
    internal static string NextFor(ConnectionPlan plan, DateTimeOffset now) => plan.State switch
    {
        ConnectionState.Degraded or ConnectionState.ReconnectRequired when plan.Reason is StateReasons.InvalidClient or StateReasons.ConfigurationError =>
            $"nothing is sent until its client configuration is corrected (the provider said {plan.Reason}; the grant is fine){(plan.NextAttemptAt is { } retry ? $"; the same configuration is tried again {(retry <= now ? "now" : Humanize.When(retry, now))}" : "")}",
        ConnectionState.ReconnectRequired => "nothing planned: it needs re-authorisation first",
        ConnectionState.Disabled => "nothing planned: it is disabled",
        ConnectionState.PendingAuthorization => "nothing planned: it is not authorised yet",
        _ => Steps(plan).OrderBy(s => s.At).FirstOrDefault() is { } next
            ? $"next: {next.What}, {(next.At <= now ? "due now" : Humanize.When(next.At, now))}"
            : plan.IdleDeadline is null && plan.AbsoluteDeadline is null
                ? $"nothing planned: its refresh token has no idle or absolute deadline (provider profile '{plan.Provider}'), so it needs no keep-alive and no warning"
                : "nothing planned",
    };

    private static IEnumerable<PlanStep> Steps(ConnectionPlan plan)
    {
        if (plan.NextKeepAliveAt is { } keepAlive)
        {
            yield return new PlanStep(keepAlive, plan.ConnectionId, "keep-alive refresh", "keepalive");
        }

        foreach (var warning in plan.Warnings)
        {
            yield return new PlanStep(warning.At, plan.ConnectionId, $"warning: {warning.DaysBefore} day(s) before the refresh token expires", "warning");
        }

        if (plan.IdleDeadline is { } idle)
        {
            yield return new PlanStep(idle, plan.ConnectionId, "refresh token dies if unused until then", "idle_deadline");
        }

        if (plan.AbsoluteDeadline is { } absolute)
        {
            yield return new PlanStep(absolute, plan.ConnectionId, "refresh token expires: re-authorisation needed", "absolute_deadline");
        }
    }

    private static Option<string?> WarningDaysOption() =>
        new("--warning-days") { Description = $"Days before an absolute refresh-token deadline to warn, comma-separated (default {string.Join(",", LifecycleConstants.WarningDays)})." };

    private static IReadOnlyList<int> ParseWarningDays(string? text)
    {
        if (text is null)
        {
            return LifecycleConstants.WarningDays;
        }

        var days = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var day) || day < 1)
            {
                throw new TokenkeeperConfigurationException($"--warning-days '{text}': '{part}' is not a whole number of days of at least 1 (e.g. 14,7,3,1).");
            }

            days.Add(day);
        }

        return days.Count > 0 ? [.. days.Distinct().OrderDescending()] : throw new TokenkeeperConfigurationException("--warning-days needs at least one day, e.g. 14,7,3,1.");
    }

    private static object PassJson(LifecyclePass pass) => new { at = pass.At, actions = pass.Actions, delivered = pass.Delivered, next_due_at = pass.NextDueAt };

    private static TimeOnly ParseWindow(string text) =>
        TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
            ? time
            : throw new TokenkeeperConfigurationException($"--daily-window '{text}' is not a time of day like 02:00.");

    private sealed record PlanStep(DateTimeOffset At, string ConnectionId, string What, string Kind);
}
