using System.CommandLine;
using System.Reflection;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Tokenkeeper.Diagnostics;

namespace Tokenkeeper.Cli.Infrastructure;

/// <summary>
/// OpenTelemetry export for a long-running command: the <c>Tokenkeeper</c> meter and activity source sent with the OTLP
/// exporter to the collector <c>--otlp-endpoint</c> or the standard <c>OTEL_EXPORTER_OTLP_*</c> variables name (see
/// <see cref="OtlpTargets"/>). Disposing it at the end of the command sends what is left, waiting at most
/// <see cref="CliConstants.OtlpShutdownTimeout"/>. Export failures are the SDK's to swallow: a collector that is down never
/// fails the command. Only the library's instruments and spans are exported; their tags are ids, triggers and outcomes, never
/// a token or a secret.
/// </summary>
internal sealed class TelemetryExport : IDisposable
{
    /// <summary>The resource attribute naming the command that reports (<c>sync</c>, <c>lifecycle run</c>).</summary>
    public const string CommandAttribute = "tokenkeeper.command";

    /// <summary>The standard variable that sets the metric export interval in milliseconds (default here
    /// <see cref="CliConstants.OtlpMetricExportInterval"/>).</summary>
    public const string MetricExportIntervalVariable = "OTEL_METRIC_EXPORT_INTERVAL";

    private readonly TracerProvider? _tracing;
    private readonly MeterProvider? _metrics;
    private int _disposed;

    private TelemetryExport(TracerProvider? tracing, MeterProvider? metrics)
    {
        _tracing = tracing;
        _metrics = metrics;
    }

    /// <summary>A new <c>--otlp-endpoint</c> option for a command.</summary>
    public static Option<string?> CreateOption() => new(OtlpTargets.OptionName)
    {
        Description = $"Send the Tokenkeeper metrics and traces to this OTLP/HTTP collector (base URL, e.g. http://localhost:4318; default: {OtlpTargets.EndpointVariable}).",
        HelpName = "url",
    };

    /// <summary>
    /// Starts exporting for <paramref name="command"/> to the collector <paramref name="endpoint"/> (the option's value) or the
    /// environment names; null, and nothing built, when neither names one.
    /// </summary>
    /// <param name="endpoint">The <c>--otlp-endpoint</c> value, or null when it was not given.</param>
    /// <param name="command">The command, as the <see cref="CommandAttribute"/> resource attribute says it.</param>
    /// <param name="environment">Reads a variable; null: the process environment.</param>
    /// <exception cref="TokenkeeperConfigurationException">The endpoint or a protocol is not valid.</exception>
    public static TelemetryExport? Start(string? endpoint, string command, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (OtlpTargets.Resolve(endpoint, environment) is not { } targets)
        {
            return null;
        }

        var resource = Resource(command);
        var tracing = targets.Traces is { } traces
            ? Sdk.CreateTracerProviderBuilder()
                .SetResourceBuilder(resource)
                .AddSource(TokenkeeperTelemetry.Name)
                .AddOtlpExporter(options => Apply(options, traces))
                .Build()
            : null;
        var intervalFromEnvironment = !string.IsNullOrWhiteSpace(environment(MetricExportIntervalVariable));
        var metrics = targets.Metrics is { } measured
            ? Sdk.CreateMeterProviderBuilder()
                .SetResourceBuilder(resource)
                .AddMeter(TokenkeeperTelemetry.Name)
                .AddOtlpExporter((options, reader) =>
                {
                    Apply(options, measured);
                    if (!intervalFromEnvironment)
                    {
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)CliConstants.OtlpMetricExportInterval.TotalMilliseconds;
                    }
                })
                .Build()
            : null;
        return new TelemetryExport(tracing, metrics);
    }

    /// <summary>Sends the spans and metrics not yet exported, both at once, each within
    /// <see cref="CliConstants.OtlpShutdownTimeout"/>, then stops exporting.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        var timeout = (int)CliConstants.OtlpShutdownTimeout.TotalMilliseconds;
        Task.WaitAll(Task.Run(() => _tracing?.Shutdown(timeout)), Task.Run(() => _metrics?.Shutdown(timeout)));
        _tracing?.Dispose();
        _metrics?.Dispose();
    }

    /// <summary>
    /// <c>service.name</c> <c>tokenkeeper</c> and <c>service.version</c> the CLI's version, then what <c>OTEL_SERVICE_NAME</c>
    /// and <c>OTEL_RESOURCE_ATTRIBUTES</c> say (later entries win), then the command.
    /// </summary>
    private static ResourceBuilder Resource(string command) => ResourceBuilder.CreateEmpty()
        .AddService(CliConstants.ToolName, serviceVersion: typeof(TelemetryExport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion)
        .AddTelemetrySdk()
        .AddEnvironmentVariableDetector()
        .AddAttributes([new KeyValuePair<string, object>(CommandAttribute, command)]);

    private static void Apply(OtlpExporterOptions options, OtlpTarget target)
    {
        options.Endpoint = target.Endpoint;
        options.Protocol = target.Protocol;
    }
}
