using BenchmarkDotNet.Running;

namespace Tokenkeeper.Benchmarks;

/// <summary>Runs the BenchmarkDotNet suites (pass <c>--filter</c>) or a scenario benchmark by name.</summary>
public static class BenchmarkProgram
{
    /// <summary>Entry point.</summary>
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
}
