using OpenTelemetry.Exporter;
using Tokenkeeper.Cli.Infrastructure;

namespace Tokenkeeper.Tests.Cli.Infrastructure;

/// <summary>
/// Where each signal goes: <c>--otlp-endpoint</c> is an OTLP/HTTP base URL and wins; otherwise the standard variables, with
/// http/protobuf unless a protocol variable says grpc; nothing set (or only blanks) turns export off and builds nothing.
/// </summary>
public sealed class OtlpTargetsTests
{
    private static readonly Dictionary<string, string?> Nothing = [];

    [Fact]
    public void The_flag_is_a_base_url_whose_signal_paths_are_appended_over_http_protobuf()
    {
        var targets = OtlpTargets.Resolve("http://collector:4318/otlp/", Lookup(Nothing))!;

        Assert.Equal(new OtlpTarget(new Uri("http://collector:4318/otlp/v1/traces"), OtlpExportProtocol.HttpProtobuf), targets.Traces);
        Assert.Equal(new OtlpTarget(new Uri("http://collector:4318/otlp/v1/metrics"), OtlpExportProtocol.HttpProtobuf), targets.Metrics);
    }

    [Fact]
    public void The_flag_wins_over_the_environment()
    {
        var targets = OtlpTargets.Resolve("https://collector.example", Lookup(new()
        {
            [OtlpTargets.EndpointVariable] = "http://other:4317",
            [OtlpTargets.TracesEndpointVariable] = "http://other:4318/traces",
            [OtlpTargets.ProtocolVariable] = "grpc",
        }))!;

        Assert.Equal(new OtlpTarget(new Uri("https://collector.example/v1/traces"), OtlpExportProtocol.HttpProtobuf), targets.Traces);
        Assert.Equal(new OtlpTarget(new Uri("https://collector.example/v1/metrics"), OtlpExportProtocol.HttpProtobuf), targets.Metrics);
    }

    [Fact]
    public void Neither_the_flag_nor_a_variable_means_no_export_and_no_providers()
    {
        var blank = new Dictionary<string, string?>
        {
            [OtlpTargets.EndpointVariable] = "",
            [OtlpTargets.TracesEndpointVariable] = " ",
            [OtlpTargets.MetricsEndpointVariable] = null,
            [OtlpTargets.ProtocolVariable] = "grpc",
        };

        Assert.Null(OtlpTargets.Resolve(null, Lookup(Nothing)));
        Assert.Null(OtlpTargets.Resolve(null, Lookup(blank)));
        Assert.Null(TelemetryExport.Start(null, "sync", Lookup(blank)));
    }

    [Fact]
    public void The_shared_variable_is_a_base_url_over_http_protobuf_by_default()
    {
        var targets = OtlpTargets.Resolve(null, Lookup(new() { [OtlpTargets.EndpointVariable] = "http://localhost:4318" }))!;

        Assert.Equal(new OtlpTarget(new Uri("http://localhost:4318/v1/traces"), OtlpExportProtocol.HttpProtobuf), targets.Traces);
        Assert.Equal(new OtlpTarget(new Uri("http://localhost:4318/v1/metrics"), OtlpExportProtocol.HttpProtobuf), targets.Metrics);
    }

    [Fact]
    public void Over_grpc_the_shared_variable_is_used_as_it_is()
    {
        var targets = OtlpTargets.Resolve(null, Lookup(new() { [OtlpTargets.EndpointVariable] = "http://localhost:4317", [OtlpTargets.ProtocolVariable] = "grpc" }))!;

        Assert.Equal(new OtlpTarget(new Uri("http://localhost:4317"), OtlpExportProtocol.Grpc), targets.Traces);
        Assert.Equal(new OtlpTarget(new Uri("http://localhost:4317"), OtlpExportProtocol.Grpc), targets.Metrics);
    }

    [Fact]
    public void A_signal_variable_is_used_as_it_is_and_turns_on_that_signal_alone()
    {
        var targets = OtlpTargets.Resolve(null, Lookup(new() { [OtlpTargets.TracesEndpointVariable] = "http://tempo:4318/custom" }))!;

        Assert.Equal(new OtlpTarget(new Uri("http://tempo:4318/custom"), OtlpExportProtocol.HttpProtobuf), targets.Traces);
        Assert.Null(targets.Metrics);
    }

    [Fact]
    public void A_signal_protocol_variable_wins_over_the_shared_one()
    {
        var targets = OtlpTargets.Resolve(null, Lookup(new()
        {
            [OtlpTargets.EndpointVariable] = "http://collector:4318",
            [OtlpTargets.ProtocolVariable] = "grpc",
            [OtlpTargets.MetricsProtocolVariable] = "http/protobuf",
        }))!;

        Assert.Equal(new OtlpTarget(new Uri("http://collector:4318"), OtlpExportProtocol.Grpc), targets.Traces);
        Assert.Equal(new OtlpTarget(new Uri("http://collector:4318/v1/metrics"), OtlpExportProtocol.HttpProtobuf), targets.Metrics);
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("localhost:4318")]
    [InlineData("/v1/traces")]
    [InlineData("ftp://collector.example")]
    [InlineData("")]
    public void A_flag_that_is_not_an_http_url_is_a_configuration_error_naming_the_flag(string endpoint)
    {
        var error = Assert.Throws<TokenkeeperConfigurationException>(() => OtlpTargets.Resolve(endpoint, Lookup(Nothing)));

        Assert.StartsWith($"--otlp-endpoint '{endpoint}' is not an absolute http or https URL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_variable_is_a_configuration_error_naming_the_variable()
    {
        var url = Assert.Throws<TokenkeeperConfigurationException>(() => OtlpTargets.Resolve(null, Lookup(new() { [OtlpTargets.MetricsEndpointVariable] = "collector:4318" })));
        var protocol = Assert.Throws<TokenkeeperConfigurationException>(() => OtlpTargets.Resolve(null, Lookup(new() { [OtlpTargets.EndpointVariable] = "http://collector:4318", [OtlpTargets.ProtocolVariable] = "http/json" })));

        Assert.StartsWith("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT 'collector:4318' is not an absolute http or https URL", url.Message, StringComparison.Ordinal);
        Assert.Equal("OTEL_EXPORTER_OTLP_PROTOCOL 'http/json' is not supported: use http/protobuf (the default) or grpc.", protocol.Message);
    }

    private static Func<string, string?> Lookup(Dictionary<string, string?> variables) => name => variables.GetValueOrDefault(name);
}
