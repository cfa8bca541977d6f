using System.Globalization;
using Spectre.Console;
using Tokenkeeper.Cli.Jobs;
using Tokenkeeper.Sync;
using Tokenkeeper.Cli.Infrastructure;

namespace Tokenkeeper.Cli.Reports;

/// <summary>The end of a <c>tokenkeeper sync</c> run: a table for people, or the JSON object with <c>--json</c>; advice on
/// stderr when it stopped early.</summary>
internal static class SyncReportPrinter
{
    public static void Print(CliOutput output, SyncRunOutcome outcome, JobFile file, bool json, string rerun)
    {
        if (json)
        {
            output.Out.WriteLine(ReportJson.Serialize(outcome.Report));
        }
        else
        {
            output.Console.Write(Table(outcome));
        }

        foreach (var line in FailureAdvice.For(outcome.Result, file, rerun))
        {
            output.Error.WriteLine(line);
        }

        if (ReplayNotice(outcome.Result.Progress) is { } replays)
        {
            output.Error.WriteLine(replays);
        }

        if (outcome.Result.AlreadyCompleted)
        {
            output.Say($"Generation {outcome.Result.Progress.Generation} of job '{outcome.Result.JobId}' had already completed: nothing to do. Run with --restart to start a new generation from the beginning.", json);
        }
    }

    /// <summary>Says how many batches the destination answered as replays, so a run never seems to have written what it did not.</summary>
    internal static string? ReplayNotice(SyncProgress progress)
    {
        var sent = progress.Batches - progress.ResumedFromBatch;
        return progress.BatchesReplayed switch
        {
            0 => null,
            var replayed => $"The destination answered {replayed:N0} of the {sent:N0} batch(es) this run sent as replays (Idempotent-Replayed): it already held a request with the same Idempotency-Key and stored nothing new for that request. "
                + "That is expected for a batch sent again after a lost answer (by this run's retries, or the batch a stopped run had sent but not checkpointed); many more mean the destination already had these batches.",
        };
    }

    public static Table Table(SyncRunOutcome outcome)
    {
        var report = outcome.Report;
        var result = outcome.Result;
        var colour = result.Status switch { SyncStatus.Completed => "green", SyncStatus.ReconnectRequired => "yellow", _ => "red" };
        var table = new Table { Border = TableBorder.Rounded }
            .Title($"[bold]{Markup.Escape(report.Job)}[/]: [{colour}]{report.Status}[/]")
            .AddColumn("")
            .AddColumn(new TableColumn("").RightAligned());
        table.ShowHeaders = false;
        var seconds = Math.Max(result.Elapsed.TotalSeconds, 0.001);
        Row(table, "records read", Count(report.RecordsRead));
        Row(table, "records written", Count(report.RecordsWritten));
        Row(table, "batches", result.Progress.ResumedFromBatch > 0 ? $"{Count(report.Batches)} (resumed after batch {Count(report.ResumedFromBatch)})" : Count(report.Batches));
        Row(table, "batches answered as replays", Count(report.BatchesReplayed));
        Row(table, "generation", Count(result.Progress.Generation));
        Row(table, "elapsed", DurationArgument.Format(result.Elapsed));
        Row(table, "records/s (this run)", Count((long)((report.RecordsWritten - result.Progress.ResumedFromRecords) / seconds)));
        Row(table, "token refreshes", Count(report.TokenRefreshes));
        Row(table, "auth replays", Count(report.AuthReplays));
        Row(table, "retries", Count(report.Retries));
        Row(table, "failures surfaced", Count(report.FailuresSurfaced));
        return table;
    }

    private static void Row(Table table, string name, string value) => table.AddRow(new Text(name), new Text(value));

    private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
