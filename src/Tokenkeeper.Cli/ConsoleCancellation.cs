namespace Tokenkeeper.Cli;

/// <summary>A cancellation source that trips on Ctrl+C (the first press asks politely; the process is not killed).</summary>
internal static class ConsoleCancellation
{
    public static CancellationTokenSource Create()
    {
        var source = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            source.Cancel();
        };
        return source;
    }
}
