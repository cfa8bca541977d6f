namespace Tokenkeeper.Simulator;

/// <summary>Hands the host's log categories to a caller-owned <see cref="ILoggerFactory"/> (which it does not dispose).</summary>
internal sealed class ForwardingLoggerProvider(ILoggerFactory factory) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => factory.CreateLogger(categoryName);

    public void Dispose()
    {
    }
}
