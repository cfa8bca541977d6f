using Spectre.Console;

namespace Tokenkeeper.Cli.Progress;

/// <summary>A live Spectre.Console progress bar with records/s, batches, token refreshes, replays and retries.</summary>
internal sealed class LiveProgressView(IAnsiConsole console, TimeProvider time) : IProgressView
{
    /// <summary>A terminal too narrow for every counter on one line: the description keeps the essentials.</summary>
    private bool Narrow => console.Profile.Width < CliConstants.WideTerminalColumns;

    public Task ShowAsync(Func<ProgressSnapshot> read, Task work) => console.Progress()
        .AutoClear(false)
        .HideCompleted(false)
        .Columns(
            new SpinnerColumn(),
            new TaskDescriptionColumn { Alignment = Justify.Left },
            new ProgressBarColumn { Width = Narrow ? CliConstants.NarrowProgressBarWidth : CliConstants.ProgressBarWidth },
            new PercentageColumn(),
            new ElapsedTimeColumn())
        .StartAsync(async context =>
        {
            var first = read();
            var task = context.AddTask(Describe(first), maxValue: Math.Max(1, first.Sync.Total ?? 1));
            task.IsIndeterminate = first.Sync.Total is null;
            while (!work.IsCompleted)
            {
                await Task.WhenAny(work, Task.Delay(CliConstants.LiveProgressInterval, time)).ConfigureAwait(false);
                Update(task, read());
            }

            if (work.IsCompletedSuccessfully)
            {
                Update(task, read());
            }

            task.StopTask();
        });

    private void Update(ProgressTask task, ProgressSnapshot snapshot)
    {
        if (snapshot.Sync.Total is { } total)
        {
            task.IsIndeterminate = false;
            task.MaxValue = Math.Max(1, total);
            task.Value = Math.Min(snapshot.Sync.RecordsWritten, total);
        }

        task.Description = Describe(snapshot);
    }

    private string Describe(ProgressSnapshot s) => Narrow
        ? Markup.Escape(ProgressText.Compact(s))
        : $"[bold]{Markup.Escape(s.Sync.JobId)}[/] {Markup.Escape(ProgressText.Records(s))} [grey]·[/] {Markup.Escape(ProgressText.Counters(s))}";
}
