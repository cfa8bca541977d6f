using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Tokenkeeper.Simulator;

namespace Tokenkeeper.IntegrationTests.Simulator;

public sealed class CommandLineTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tk-sim-cli-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Parse_EveryIssueFlag_SetsItsOption()
    {
        var options = SimulatorCommandLine.Parse(
        [
            "--access-ttl", "30s", "--expires-in", "string", "--token-format", "jwt", "--refresh-absolute-ttl", "90d",
            "--refresh-idle-ttl", "12h", "--rotation", "grace:45s", "--rate-limit", "10/1m", "--fault-rate", "0.05",
            "--faults", "503,500,delay:2s,drop-before,drop-after,html,truncated,error-in-200", "--api-fault-rate", "0.1",
            "--api-faults", "429,503", "--clock-skew", "120s", "--revoke-rate", "0.01", "--contacts", "1000", "--seed", "42",
            "--personality", "generic", "--reuse-interval", "500ms", "--token-delay", "1500ms",
        ]);

        Assert.Equal(TimeSpan.FromSeconds(30), options.AccessTtl);
        Assert.Equal(ExpiresInStyle.String, options.ExpiresIn);
        Assert.Equal(TokenFormat.Jwt, options.TokenFormat);
        Assert.Equal(TimeSpan.FromDays(90), options.RefreshAbsoluteTtl);
        Assert.Equal(TimeSpan.FromHours(12), options.RefreshIdleTtl);
        Assert.Equal(RotationMode.Grace, options.Rotation);
        Assert.Equal(TimeSpan.FromSeconds(45), options.RotationGrace);
        Assert.Equal(10, options.RateLimitCount);
        Assert.Equal(TimeSpan.FromMinutes(1), options.RateLimitWindow);
        Assert.Equal(0.05, options.FaultRate);
        Assert.Equal(8, options.Faults.Count);
        Assert.Equal(0.1, options.ApiFaultRate);
        Assert.Equal(["429", "503"], options.ApiFaults);
        Assert.Equal(TimeSpan.FromSeconds(120), options.ClockSkew);
        Assert.Equal(0.01, options.RevokeRate);
        Assert.Equal(1000, options.Contacts);
        Assert.Equal(42, options.Seed);
        Assert.Equal("generic", options.Personality);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.ReuseInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), options.TokenResponseDelay);
    }

    [Fact]
    public void ParseInvocation_ReadsPortLogLevelAndHelp()
    {
        var invocation = SimulatorCommandLine.ParseInvocation(["--port=0", "--log-level", "warning", "-h"]);
        var defaults = SimulatorCommandLine.ParseInvocation([]);
        var noIntrospection = SimulatorCommandLine.ParseInvocation(["--no-introspection"]);

        Assert.Equal(0, invocation.Port);
        Assert.Equal(LogLevel.Warning, invocation.LogLevel);
        Assert.True(invocation.ShowHelp);
        Assert.Equal(9300, defaults.Port);
        Assert.Equal(LogLevel.Information, defaults.LogLevel);
        Assert.False(defaults.ShowHelp);
        Assert.True(defaults.Options.IntrospectionEnabled);
        Assert.False(noIntrospection.Options.IntrospectionEnabled);
        Assert.False(noIntrospection.ShowHelp);
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("30s", 30_000)]
    [InlineData("5m", 300_000)]
    [InlineData("12h", 43_200_000)]
    [InlineData("90d", 7_776_000_000)]
    public void Durations_InEveryUnit_Parse(string text, long milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), SimulatorCommandLine.Parse(["--access-ttl", text]).AccessTtl);
    }

    [Fact]
    public void Personality_IsAppliedFirst_SoOtherFlagsOverrideItWhateverTheOrder()
    {
        var options = SimulatorCommandLine.Parse(["--access-ttl", "5m", "--personality", "xero"]);

        Assert.Equal(TimeSpan.FromMinutes(5), options.AccessTtl);
        Assert.Equal(RotationMode.Grace, options.Rotation);
        Assert.Equal(TimeSpan.FromDays(60), options.RefreshIdleTtl);
        Assert.Equal("xero", options.Personality);
    }

    [Fact]
    public void NegativeClockSkew_AndOtherRateAndRotationForms_Parse()
    {
        var options = SimulatorCommandLine.Parse(["--clock-skew", "-120s", "--rate-limit", "100/1s", "--rotation", "reuse-detection", "--refresh-idle-ttl", "off"]);

        Assert.Equal(TimeSpan.FromSeconds(-120), options.ClockSkew);
        Assert.Equal(100, options.RateLimitCount);
        Assert.Equal(TimeSpan.FromSeconds(1), options.RateLimitWindow);
        Assert.Equal(RotationMode.ReuseDetection, options.Rotation);
        Assert.Null(options.RefreshIdleTtl);
    }

    [Theory]
    [InlineData("--access-ttl", "10")]
    [InlineData("--access-ttl", "5x")]
    [InlineData("--access-ttl", "1.5h")]
    [InlineData("--access-ttl", "-5s")]
    [InlineData("--access-ttl", "0s")]
    [InlineData("--refresh-idle-ttl", "soon")]
    [InlineData("--reuse-interval", "ms")]
    [InlineData("--token-delay", "-1s")]
    [InlineData("--token-delay", "soon")]
    [InlineData("--clock-skew", "2 minutes")]
    [InlineData("--rotation", "grace:forever")]
    [InlineData("--rotation", "sometimes")]
    [InlineData("--rate-limit", "10")]
    [InlineData("--rate-limit", "0/1m")]
    [InlineData("--rate-limit", "10/0s")]
    [InlineData("--fault-rate", "1.5")]
    [InlineData("--faults", "503,teapot")]
    [InlineData("--expires-in", "never")]
    [InlineData("--token-format", "saml")]
    [InlineData("--contacts", "-1")]
    [InlineData("--seed", "x")]
    [InlineData("--port", "70000")]
    [InlineData("--log-level", "loud")]
    [InlineData("--personality", "myspace")]
    public void BadValue_IsATypedUsageErrorNamingTheFlag(string flag, string value)
    {
        var error = Assert.Throws<SimulatorUsageException>(() => SimulatorCommandLine.Parse([flag, value]));

        Assert.Contains(flag, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--access-ttl")]
    [InlineData("stray")]
    [InlineData("--help=yes")]
    [InlineData("--no-introspection=yes")]
    public void MalformedCommandLine_IsAUsageError(string arg)
    {
        Assert.Throws<SimulatorUsageException>(() => SimulatorCommandLine.Parse([arg]));
    }

    [Fact]
    public void FaultRateWithoutFaults_IsAUsageError()
    {
        var error = Assert.Throws<SimulatorUsageException>(() => SimulatorCommandLine.Parse(["--fault-rate", "0.1"]));

        Assert.Contains("faults", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Config_AddsClientsUsersAndDials()
    {
        using var rsa = RSA.Create(2048);
        File.WriteAllText(Path.Combine(_directory, "svc.pem"), rsa.ExportSubjectPublicKeyInfoPem());
        var path = Write("""
            {
              // comments are allowed
              "clients": [
                { "client_id": "spa", "redirect_uris": ["http://localhost:8080/cb"], "scopes": "contacts:read", "grant_types": ["authorization_code", "refresh_token"] },
                { "client_id": "svc", "public_key_pem_file": "svc.pem", "grant_types": ["urn:ietf:params:oauth:grant-type:jwt-bearer"] },
                { "client_id": "demo-client", "client_secret": "rotated-secret" }
              ],
              "users": ["alice", "bob"],
              "dials": { "access_ttl": "10m", "rotation": "reuse-detection", "token_delay": "3s", "introspection_enabled": false }
            }
            """);

        var options = SimulatorCommandLine.Parse(["--config", path, "--access-ttl", "2m"]);

        Assert.Equal(3, options.Clients.Count);
        Assert.Equal("rotated-secret", options.Clients.Single(c => c.ClientId == "demo-client").ClientSecret);
        Assert.Null(options.Clients.Single(c => c.ClientId == "spa").ClientSecret);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", options.Clients.Single(c => c.ClientId == "svc").PublicKeyPem, StringComparison.Ordinal);
        Assert.Equal(["alice", "bob"], options.Users);
        Assert.Equal(RotationMode.ReuseDetection, options.Rotation);
        Assert.Equal(TimeSpan.FromSeconds(3), options.TokenResponseDelay);
        Assert.False(options.IntrospectionEnabled);
        Assert.Equal(TimeSpan.FromMinutes(2), options.AccessTtl);
    }

    [Theory]
    [InlineData("{ not json", "not valid JSON")]
    [InlineData("""{"clients":[{"client_secret":"x"}]}""", "client_id is required")]
    [InlineData("""{"clients":[{"client_id":"a","colour":"red"}]}""", "unknown member 'colour'")]
    [InlineData("""{"clientz":[]}""", "unknown member 'clientz'")]
    [InlineData("""{"clients":[{"client_id":"a","public_key_pem":"not a key"}]}""", "public_key_pem")]
    [InlineData("""{"clients":[{"client_id":"a","grant_types":["password"]}]}""", "unknown grant type")]
    [InlineData("""{"dials":{"access_ttl":"soon"}}""", "access_ttl")]
    [InlineData("""{"users":"alice"}""", "users must be an array")]
    public void BadConfigFile_IsAClearUsageErrorNamingTheFile(string content, string problem)
    {
        var path = Write(content);

        var error = Assert.Throws<SimulatorUsageException>(() => SimulatorCommandLine.Parse(["--config", path]));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingConfigFile_IsAUsageError()
    {
        var error = Assert.Throws<SimulatorUsageException>(() => SimulatorCommandLine.Parse(["--config", Path.Combine(_directory, "absent.json")]));

        Assert.Contains("cannot be read", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_WithAUsageError_Returns2()
    {
        Assert.Equal(2, await SimulatorCommandLine.RunAsync(["--access-ttl", "forever"]));
    }

    [Fact]
    public async Task RunAsync_WithHelp_Returns0WithoutStarting()
    {
        Assert.Equal(0, await SimulatorCommandLine.RunAsync(["--help"]));
        Assert.Contains("--rotation", SimulatorCommandLine.Usage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ServesUntilCancelled_ThenReturns0()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(1));

        var exitCode = await SimulatorCommandLine.RunAsync(["--port", "0", "--log-level", "warning"], stop.Token);

        Assert.Equal(0, exitCode);
    }

    [Fact]
    public async Task RunAsync_OnAPortInUse_Returns1()
    {
        await using var sim = await SimHarness.StartAsync();

        var exitCode = await SimulatorCommandLine.RunAsync(["--port", sim.Server.BaseAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

        Assert.Equal(1, exitCode);
    }

    private string Write(string content)
    {
        var path = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, content);
        return path;
    }
}
