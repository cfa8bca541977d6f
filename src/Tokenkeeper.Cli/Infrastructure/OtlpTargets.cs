using OpenTelemetry.Exporter;

namespace Tokenkeeper.Cli.Infrastructure;

/// <summary>
/// Where the OTLP exporter sends each signal, from <c>--otlp-endpoint</c> or the standard <c>OTEL_EXPORTER_OTLP_*</c> variables;
/// a signal with no target is not exported. Resolved here rather than by the exporter, which reads only the shared endpoint
/// variable, uses a programmatic endpoint as-is, and defaults to gRPC.
/// </summary>
/// <param name="Traces">Where spans go, or null: no tracing.</param>
/// <param name="Metrics">Where metrics go, or null: no metrics.</param>
internal sealed record OtlpTargets(OtlpTarget? Traces, OtlpTarget? Metrics)
{
    /// <summary>The base URL of a collector for every signal; for HTTP the signal's path is appended.</summary>
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The full URL spans are sent to, used as it is.</summary>
    public const string TracesEndpointVariable = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";

    /// <summary>The full URL metrics are sent to, used as it is.</summary>
    public const string MetricsEndpointVariable = "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT";

    /// <summary>The protocol of every signal: <c>http/protobuf</c> (the default here) or <c>grpc</c>.</summary>
    public const string ProtocolVariable = "OTEL_EXPORTER_OTLP_PROTOCOL";

    /// <summary>The protocol of spans, over <see cref="ProtocolVariable"/>.</summary>
    public const string TracesProtocolVariable = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL";

    /// <summary>The protocol of metrics, over <see cref="ProtocolVariable"/>.</summary>
    public const string MetricsProtocolVariable = "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL";

    /// <summary>The option that names a collector's base URL on the command line.</summary>
    public const string OptionName = "--otlp-endpoint";

    /// <summary>The path of spans under a collector's OTLP/HTTP base URL.</summary>
    public const string TracesPath = "v1/traces";

    /// <summary>The path of metrics under a collector's OTLP/HTTP base URL.</summary>
    public const string MetricsPath = "v1/metrics";

    private const string HttpProtobuf = "http/protobuf";
    private const string Grpc = "grpc";

    /// <summary>
    /// The targets <paramref name="endpoint"/> (the option's value) names, or else the environment's; null when neither names a
    /// collector, so nothing is exported. The option is an OTLP/HTTP base URL and wins over the environment.
    /// </summary>
    /// <exception cref="TokenkeeperConfigurationException">A URL that is not absolute http or https, or an unknown protocol.</exception>
    public static OtlpTargets? Resolve(string? endpoint, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (endpoint is not null)
        {
            var baseUrl = ParseUrl(endpoint, OptionName);
            return new OtlpTargets(
                new OtlpTarget(Append(baseUrl, TracesPath), OtlpExportProtocol.HttpProtobuf),
                new OtlpTarget(Append(baseUrl, MetricsPath), OtlpExportProtocol.HttpProtobuf));
        }

        var shared = Read(environment, EndpointVariable);
        var traces = Read(environment, TracesEndpointVariable);
        var metrics = Read(environment, MetricsEndpointVariable);
        if (shared is null && traces is null && metrics is null)
        {
            return null;
        }

        return new OtlpTargets(
            Target(environment, shared, traces, TracesEndpointVariable, TracesProtocolVariable, TracesPath),
            Target(environment, shared, metrics, MetricsEndpointVariable, MetricsProtocolVariable, MetricsPath));
    }

    /// <summary>A signal's target: its own URL as it is, else the shared base URL (with the signal's path for HTTP), else none.
    /// Its protocol: its own variable's, else the shared one's, else http/protobuf.</summary>
    private static OtlpTarget? Target(Func<string, string?> environment, string? shared, string? own, string ownVariable, string protocolVariable, string path)
    {
        if (own is null && shared is null)
        {
            return null;
        }

        var protocol = Read(environment, protocolVariable) is { } text
            ? ParseProtocol(text, protocolVariable)
            : ParseProtocol(Read(environment, ProtocolVariable), ProtocolVariable);
        if (own is not null)
        {
            return new OtlpTarget(ParseUrl(own, ownVariable), protocol);
        }

        var baseUrl = ParseUrl(shared!, EndpointVariable);
        return new OtlpTarget(protocol == OtlpExportProtocol.HttpProtobuf ? Append(baseUrl, path) : baseUrl, protocol);
    }

    /// <summary>A variable's value, or null when it is unset or blank (an emptied variable turns export off, as an unset one).</summary>
    private static string? Read(Func<string, string?> environment, string name) =>
        environment(name) is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    private static Uri ParseUrl(string text, string source) =>
        Uri.TryCreate(text, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
            ? url
            : throw new TokenkeeperConfigurationException(
                $"{source} '{text}' is not an absolute http or https URL; give the OTLP collector's address, like http://localhost:4318.");

    private static OtlpExportProtocol ParseProtocol(string? text, string source) => text switch
    {
        null or HttpProtobuf => OtlpExportProtocol.HttpProtobuf,
        Grpc => OtlpExportProtocol.Grpc,
        _ => throw new TokenkeeperConfigurationException($"{source} '{text}' is not supported: use {HttpProtobuf} (the default) or {Grpc}."),
    };

    /// <summary><paramref name="baseUrl"/> with <paramref name="path"/> added to its path (its query, if any, kept).</summary>
    private static Uri Append(Uri baseUrl, string path)
    {
        var builder = new UriBuilder(baseUrl);
        builder.Path = builder.Path.TrimEnd('/') + "/" + path;
        return builder.Uri;
    }
}
