namespace Tokenkeeper.Cli.Progress;

/// <summary>Shows a sync's progress until its work completes.</summary>
internal interface IProgressView
{
    Task ShowAsync(Func<ProgressSnapshot> read, Task work);
}
