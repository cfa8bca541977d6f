namespace Tokenkeeper.Cli.Progress;

/// <summary>A progress line every <see cref="CliConstants.PlainProgressInterval"/> and one at the end: for logs and pipes.</summary>
internal sealed class PlainProgressView(TextWriter writer, TimeProvider time) : IProgressView
{
    public async Task ShowAsync(Func<ProgressSnapshot> read, Task work)
    {
        while (!work.IsCompleted)
        {
            await Task.WhenAny(work, Task.Delay(CliConstants.PlainProgressInterval, time)).ConfigureAwait(false);
            if (!work.IsCompleted)
            {
                await writer.WriteLineAsync(ProgressText.Line(read())).ConfigureAwait(false);
            }
        }

        await writer.WriteLineAsync(ProgressText.Line(read())).ConfigureAwait(false);
        await writer.FlushAsync().ConfigureAwait(false);
    }
}
