using Tokenkeeper.Refresh;

namespace Tokenkeeper.Tests.Architecture;

/// <summary>
/// The library's namespaces form a graph without cycles, read from the compiled assembly's type references (not its
/// <c>using</c> lines), so a folder can be read and changed knowing only what it depends on.
/// </summary>
public sealed class NamespaceCycleTests
{
    [Theory]
    [InlineData("Tokenkeeper")]
    [InlineData("Tokenkeeper.Sqlite")]
    [InlineData("Tokenkeeper.Sync")]
    [InlineData("Tokenkeeper.Cli")]
    [InlineData("Tokenkeeper.Broker")]
    public void A_shipped_assembly_has_no_namespace_cycle(string assembly)
    {
        var path = Path.Combine(Path.GetDirectoryName(typeof(TokenManager).Assembly.Location)!, assembly + ".dll");
        var graph = NamespaceGraph.Read(path, assembly);

        var cycles = graph.Cycles();

        Assert.True(cycles.Count == 0, Describe(graph, cycles));
    }

    [Fact]
    public void A_cycle_through_method_bodies_alone_is_found()
    {
        // Fixtures below: A's signature names nothing of B; only the body of A.Touch refers to B, and B refers to A.
        var graph = NamespaceGraph.Read(typeof(NamespaceCycleTests).Assembly.Location, "Tokenkeeper.Tests.Architecture.CycleFixture");

        var cycle = Assert.Single(graph.Cycles());

        Assert.Equal(["Tokenkeeper.Tests.Architecture.CycleFixture.A", "Tokenkeeper.Tests.Architecture.CycleFixture.B"], cycle);
        Assert.Contains("Upstream -> Downstream", graph.Evidence("Tokenkeeper.Tests.Architecture.CycleFixture.A", "Tokenkeeper.Tests.Architecture.CycleFixture.B"));
    }

    [Fact]
    public void A_one_way_dependency_is_no_cycle()
    {
        var graph = NamespaceGraph.Read(typeof(NamespaceCycleTests).Assembly.Location, "Tokenkeeper.Tests.Architecture.CycleFixture.B");

        Assert.Empty(graph.Cycles());
    }

    private static string Describe(NamespaceGraph graph, IReadOnlyList<IReadOnlyList<string>> cycles)
    {
        var lines = new List<string> { $"{cycles.Count} namespace cycle(s):" };
        foreach (var cycle in cycles)
        {
            lines.Add("  " + string.Join(" <-> ", cycle));
            foreach (var from in cycle)
            {
                foreach (var to in cycle.Where(to => to != from))
                {
                    foreach (var pair in graph.Evidence(from, to))
                    {
                        lines.Add($"    {from} -> {to}: {pair}");
                    }
                }
            }
        }

        return string.Join(Environment.NewLine, lines);
    }
}
