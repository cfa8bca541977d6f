using System.Globalization;

namespace Tokenkeeper.IntegrationTests.Reliability;

/// <summary>
/// The random choices of a reliability scenario (where exactly a kill lands, which events a soak round mixes), drawn from a seed
/// so a failure can be replayed: the seed is <c>TOKENKEEPER_RELIABILITY_SEED</c> when set, otherwise a fixed default, mixed with
/// the scenario's name; every failure message carries it.
/// </summary>
internal sealed class ReliabilitySeed
{
    /// <summary>The environment variable that replays a run: <c>TOKENKEEPER_RELIABILITY_SEED</c>.</summary>
    public const string Variable = "TOKENKEEPER_RELIABILITY_SEED";

    /// <summary>The seed when none is set: 20261207.</summary>
    public const int Default = 20261207;

    private readonly Random _random;

    private ReliabilitySeed(int value, string scenario)
    {
        Value = value;
        Scenario = scenario;
        _random = new Random(unchecked((value * 397) ^ StableHash(scenario))); // not HashCode.Combine: it is seeded per process
    }

    public int Value { get; }

    public string Scenario { get; }

    /// <summary>The seed of <paramref name="scenario"/>: from the environment, or <see cref="Default"/>.</summary>
    public static ReliabilitySeed For(string scenario, int? value = null) =>
        new(value ?? (int.TryParse(Environment.GetEnvironmentVariable(Variable), NumberStyles.Integer, CultureInfo.InvariantCulture, out var set) ? set : Default), scenario);

    /// <summary>A duration in [0, <paramref name="max"/>).</summary>
    public TimeSpan Next(TimeSpan max) => TimeSpan.FromTicks((long)(_random.NextDouble() * max.Ticks));

    /// <summary>A whole number in [<paramref name="min"/>, <paramref name="max"/>).</summary>
    public int Next(int min, int max) => _random.Next(min, max);

    public override string ToString() => $"{Scenario} (replay with {Variable}={Value.ToString(CultureInfo.InvariantCulture)})";

    /// <summary>A hash of the name that is the same in every process (string.GetHashCode is randomised per process).</summary>
    private static int StableHash(string text)
    {
        var hash = 17;
        foreach (var c in text)
        {
            hash = unchecked((hash * 31) + c);
        }

        return hash;
    }
}
