using Microsoft.Extensions.Logging;

namespace Tokenkeeper.Benchmarks.Simulator;

/// <summary>A provider that formats every message (the real cost of logging) and then discards it.</summary>
internal sealed class DiscardingLoggerProvider : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Discarding();

    public void Dispose()
    {
    }

    private sealed class Discarding : ILogger
    {
        private static long _characters;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Interlocked.Add(ref _characters, formatter(state, exception).Length);
    }
}
