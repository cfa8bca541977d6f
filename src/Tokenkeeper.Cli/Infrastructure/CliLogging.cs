using Microsoft.Extensions.Logging;

namespace Tokenkeeper.Cli.Infrastructure;

/// <summary>The <c>--log-level</c> option's logger: structured lines on stderr (tokens appear as fingerprints only).</summary>
internal static class CliLogging
{
    public static readonly string[] Levels = ["trace", "debug", "information", "warning", "error", "critical", "none"];

    /// <summary>A factory logging at <paramref name="level"/> to stderr, or null for <c>none</c>.</summary>
    public static ILoggerFactory? Create(string level)
    {
        var parsed = Enum.Parse<LogLevel>(level, ignoreCase: true);
        return parsed == LogLevel.None
            ? null
            : LoggerFactory.Create(builder => builder
                .SetMinimumLevel(parsed)
                .AddFilter("Microsoft", LogLevel.Warning)
                .AddSimpleConsole(console => console.SingleLine = true)
                .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace));
    }
}
