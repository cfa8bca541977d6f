namespace Tokenkeeper.IntegrationTests.Support;

/// <summary>
/// Tests whose scenario depends on real processes reaching a state inside a real time window (a token inside its refresh-ahead
/// window, a run at its last page while the provider holds a refresh). They run alone, after the parallel tests, so a machine
/// busy with the rest of the suite does not move them out of their window; what they prove is unchanged.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingSensitive
{
    /// <summary>The collection's name.</summary>
    public const string Name = "timing-sensitive (runs alone)";
}
