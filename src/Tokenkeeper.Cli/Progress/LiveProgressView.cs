using Spectre.Console;

namespace Tokenkeeper.Cli.Progress;

/// <summary>
/// A live Spectre.Console progress bar with records/s, batches, token refreshes and retries — and replays, the job's name and
/// the elapsed time where the terminal has room. The line is laid out for the terminal's width so it never wraps: a narrow
/// terminal gets a shorter bar and shorter wordings, never fewer of those four counters.
/// </summary>
internal sealed class LiveProgressView(IAnsiConsole console, TimeProvider time) : IProgressView
{
    /// <summary>Columns of Spectre's spinner.</summary>
    private const int SpinnerColumns = 1;

    /// <summary>Columns of Spectre's percentage column ("100%").</summary>
    private const int PercentageColumns = 4;

    /// <summary>Columns of Spectre's elapsed-time column ("00:00:00").</summary>
    private const int ElapsedTimeColumns = 8;

    /// <summary>Spectre's gap between two columns.</summary>
    private const int ColumnGap = 1;

    /// <summary>Left free at the end of the line: some terminals wrap a line that reaches their last column.</summary>
    private const int EdgeMargin = 1;

    /// <summary>The terminal's width when the bar starts.</summary>
    private readonly int _width = console.Profile.Width;

    private int BarWidth => _width >= CliConstants.WideTerminalColumns ? CliConstants.ProgressBarWidth : CliConstants.NarrowProgressBarWidth;

    private bool ShowsElapsedTime => _width >= CliConstants.ElapsedTimeTerminalColumns;

    /// <summary>What is left for the description once the spinner, bar, percentage and elapsed time and the gaps between
    /// the columns are laid out.</summary>
    private int DescriptionColumns => ShowsElapsedTime
        ? _width - SpinnerColumns - BarWidth - PercentageColumns - ElapsedTimeColumns - (4 * ColumnGap) - EdgeMargin
        : _width - SpinnerColumns - BarWidth - PercentageColumns - (3 * ColumnGap) - EdgeMargin;

    public Task ShowAsync(Func<ProgressSnapshot> read, Task work) => console.Progress()
        .AutoClear(false)
        .HideCompleted(false)
        .Columns(Columns())
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

    private ProgressColumn[] Columns()
    {
        ProgressColumn[] columns =
        [
            new SpinnerColumn(),
            new TaskDescriptionColumn { Alignment = Justify.Left },
            new ProgressBarColumn { Width = BarWidth },
            new PercentageColumn(),
        ];
        return ShowsElapsedTime ? [.. columns, new ElapsedTimeColumn()] : columns;
    }

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

    private string Describe(ProgressSnapshot s) => ProgressText.Live(s, DescriptionColumns) switch
    {
        { Job: { } job } named => $"[bold]{Markup.Escape(job)}[/] {Markup.Escape(named.Counts)}",
        var counts => Markup.Escape(counts.Counts),
    };
}
