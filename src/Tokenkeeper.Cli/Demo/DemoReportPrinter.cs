using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;
using Tokenkeeper.Cli.Jobs;
using Tokenkeeper.Simulator;
using Tokenkeeper.Sync;
using Tokenkeeper.Cli.Infrastructure;
using Tokenkeeper.Cli.Reports;

namespace Tokenkeeper.Cli.Demo;

/// <summary>The end of <c>tokenkeeper demo</c>: what was transferred, what the tokens went through, what went wrong and
/// whether it was absorbed, and what the provider saw.</summary>
internal static class DemoReportPrinter
{
    public static void Print(IAnsiConsole console, DemoSettings settings, SyncRunOutcome outcome, SimulatorStats stats, bool exactlyOnce)
    {
        var report = outcome.Report;
        var result = outcome.Result;
        var seconds = Math.Max(result.Elapsed.TotalSeconds, 0.001);
        var lifetimes = result.Elapsed / settings.AccessTtl;

        var transfer = Table("What was transferred");
        Row(transfer, "contacts read from legacy-crm", Count(report.RecordsRead));
        Row(transfer, "contacts written to zendesk", Count(report.RecordsWritten));
        Row(transfer, $"batches ({Count(CliConstants.DemoBatchSize)} each, one Idempotency-Key each)", Count(report.Batches));
        Row(transfer, "elapsed", DurationArgument.Format(result.Elapsed));
        Row(transfer, "throughput", $"{Count((long)(report.RecordsWritten / seconds))} contacts/s");

        var tokens = Table("Tokens");
        Row(tokens, "access-token lifetime", DurationArgument.Format(settings.AccessTtl));
        Row(tokens, "token lifetimes the run spanned", lifetimes.ToString("0.0", CultureInfo.InvariantCulture));
        Row(tokens, "refreshes (rotating single-use refresh tokens)", Count(report.TokenRefreshes));
        Row(tokens, "requests replayed after a 401", Count(report.AuthReplays));
        Row(tokens, "lost refresh responses recovered (reuse interval)", Count(stats.ReuseWithinGrace));

        var faults = new Table { Border = TableBorder.Rounded, Title = new TableTitle($"[bold]{Markup.Escape(FaultsTitle(stats, report.FailuresSurfaced, exactlyOnce))}[/]") }
            .AddColumn("fault").AddColumn(new TableColumn("token endpoint").RightAligned()).AddColumn(new TableColumn("API").RightAligned());
        foreach (var kind in CliConstants.DemoFaults)
        {
            var api = stats.ApiFaultsInjected.GetValueOrDefault(kind);
            faults.AddRow(new Text(kind), new Text(Count(stats.FaultsInjected.GetValueOrDefault(kind) - api)), new Text(Count(api)));
        }

        faults.AddRow(new Text("access token revoked"), new Text("-"), new Text(Count(stats.TokensRevokedRandomly)));
        faults.AddRow(new Markup("[bold]absorbed by[/]"), new Text(""), new Text(""));
        faults.AddRow(new Text("retries (handler and engine)"), new Text(""), new Text(Count(report.Retries)));
        faults.AddRow(new Text("replays"), new Text(""), new Text(Count(report.AuthReplays)));
        faults.AddRow(new Markup("[bold]failures surfaced[/]"), new Text(""), new Markup(report.FailuresSurfaced == 0 ? "[green]0[/]" : $"[red]{report.FailuresSurfaced}[/]"));

        var provider = Table("The provider's view");
        Row(provider, "distinct contacts stored", Count(stats.ContactsStoredDistinct));
        Row(provider, "contacts received (a duplicate would count twice)", Count(stats.ContactsReceived));
        Row(provider, "duplicate writes absorbed by Idempotency-Key", Count(stats.DuplicateWritesAbsorbed));
        Row(provider, "refresh-token reuse attempts", Count(stats.RefreshTokenReuseAttempts));
        Row(provider, "grants revoked", Count(stats.GrantsRevoked));

        var stopped = result.Failure?.Kind == Sync.SyncFailureKind.Cancelled;
        var verdict = exactlyOnce
            ? new Markup($"[green bold]Every one of the {Count(settings.Contacts)} contacts arrived exactly once.[/]")
            : stopped && stats.ContactsReceived == stats.ContactsStoredDistinct
            ? new Markup($"[yellow bold]Stopped on request:[/] {Count(stats.ContactsStoredDistinct)} of {Count(settings.Contacts)} contacts arrived, none twice.")
            : new Markup($"[red bold]Not every contact arrived exactly once:[/] {Count(stats.ContactsStoredDistinct)} distinct of {Count(settings.Contacts)}, {Count(stats.ContactsReceived)} received.");
        console.Write(new Rows(new IRenderable[] { transfer, tokens, faults, provider, verdict }));
        console.WriteLine();
    }

    /// <summary>The faults table's title, true to the run: "all absorbed" only when none surfaced and every contact arrived
    /// exactly once.</summary>
    internal static string FaultsTitle(SimulatorStats stats, long failuresSurfaced, bool exactlyOnce)
    {
        var injected = stats.FaultsInjectedTotal + stats.TokensRevokedRandomly;
        return (failuresSurfaced, exactlyOnce, injected) switch
        {
            ( > 0, _, _) => $"Faults injected: {Count(failuresSurfaced)} {(failuresSurfaced == 1 ? "failure" : "failures")} surfaced",
            (_, false, _) => "Faults injected: not all absorbed",
            (_, _, 0) => "No faults injected",
            _ => "Faults injected, all absorbed",
        };
    }

    private static Table Table(string title)
    {
        var table = new Table { Border = TableBorder.Rounded, Title = new TableTitle($"[bold]{title}[/]") }
            .AddColumn("").AddColumn(new TableColumn("").RightAligned());
        table.ShowHeaders = false;
        return table;
    }

    private static void Row(Table table, string name, string value) => table.AddRow(new Text(name), new Text(value));

    private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
