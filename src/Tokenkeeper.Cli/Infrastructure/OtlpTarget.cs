using OpenTelemetry.Exporter;

namespace Tokenkeeper.Cli.Infrastructure;

/// <summary>Where one signal is sent, and how.</summary>
/// <param name="Endpoint">The URL each export request goes to (for HTTP, with the signal's path).</param>
/// <param name="Protocol">OTLP over HTTP with protobuf bodies, or over gRPC.</param>
internal sealed record OtlpTarget(Uri Endpoint, OtlpExportProtocol Protocol);
