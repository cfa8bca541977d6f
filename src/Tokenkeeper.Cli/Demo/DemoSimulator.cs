using Tokenkeeper.Cli.Infrastructure;
using Tokenkeeper.Simulator;

namespace Tokenkeeper.Cli.Demo;

/// <summary>The demo's provider: single-use refresh tokens with reuse detection, short access tokens, and faults on both the
/// token endpoint and the API.</summary>
internal static class DemoSimulator
{
    public static SimulatorOptions Options(DemoSettings settings) => new()
    {
        AccessTtl = settings.AccessTtl,
        Rotation = RotationMode.ReuseDetection,
        ReuseInterval = CliConstants.DemoReuseInterval,
        FaultRate = settings.FaultRate,
        Faults = [.. CliConstants.DemoFaults],
        ApiFaultRate = settings.FaultRate,
        ApiFaults = [.. CliConstants.DemoFaults],
        RevokeRate = settings.FaultRate * CliConstants.DemoRevokeShareOfFaultRate,
        Contacts = settings.Contacts,
        Seed = CliConstants.DemoSeed,
    };

    /// <summary>One sentence on what the provider will do to the job.</summary>
    public static string Describe(SimulatorServer simulator, DemoSettings settings) =>
        $"Simulated provider at {simulator.BaseAddress}: access tokens live {DurationArgument.Format(settings.AccessTtl)}; refresh tokens are single-use " +
        $"(reuse detection, {DurationArgument.Format(CliConstants.DemoReuseInterval)} reuse interval); {Percent(settings.FaultRate)} of token and API requests fail " +
        $"({string.Join(", ", CliConstants.DemoFaults)}) and {Percent(settings.FaultRate * CliConstants.DemoRevokeShareOfFaultRate)} of API calls have their token revoked.";

    private static string Percent(double rate) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{rate * 100:0.##}%");
}
