namespace Tokenkeeper.Cli.Progress;

/// <summary>No progress output (<c>--json</c>: stdout carries only the final object).</summary>
internal sealed class SilentProgressView : IProgressView
{
    public Task ShowAsync(Func<ProgressSnapshot> read, Task work) => work.ContinueWith(static _ => { }, TaskScheduler.Default);
}
