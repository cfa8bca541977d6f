using BenchmarkDotNet.Running;

namespace Tokenkeeper.Benchmarks;

/// <summary>Runs the BenchmarkDotNet suites (pass <c>--filter</c>) or a scenario benchmark by name.</summary>
public static class BenchmarkProgram
{
    /// <summary>Entry point.</summary>
    public static void Main(string[] args)
    {
        // Scenario benchmarks are dispatched by their first argument; everything else goes to BenchmarkDotNet.
        if (args.Length > 0 && args[0] == "simulator")
        {
            Environment.ExitCode = Simulator.SimulatorScenario.RunAsync(args[1..]).GetAwaiter().GetResult();
            return;
        }

        if (args.Length > 0 && args[0] == "sync")
        {
            Environment.ExitCode = Sync.SyncScenario.RunAsync(args[1..]).GetAwaiter().GetResult();
            return;
        }

        if (args.Length > 0 && args[0] == "engine")
        {
            Environment.ExitCode = Engine.EngineScenario.RunAsync(args[1..]).GetAwaiter().GetResult();
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
    }
}
