namespace Tokenkeeper.Simulator;

/// <summary>
/// The one source of the simulator's random choices (faults, random revocation, HTML fault status): seeded, so a
/// run is reproducible for a given request order, and thread-safe. Token values do not come from here: they come
/// from the cryptographic generator so that they cannot be guessed.
/// </summary>
internal sealed class SeededRandom
{
    private readonly Lock _gate = new();
    private Random _random;

    public SeededRandom(int seed) => _random = new Random(seed);

    public void Reseed(int seed)
    {
        lock (_gate)
        {
            _random = new Random(seed);
        }
    }

    public double NextDouble()
    {
        lock (_gate)
        {
            return _random.NextDouble();
        }
    }

    public int Next(int maxExclusive)
    {
        lock (_gate)
        {
            return _random.Next(maxExclusive);
        }
    }

    /// <summary>True with probability <paramref name="probability"/>; draws nothing when it is 0.</summary>
    public bool Chance(double probability) => probability > 0 && (probability >= 1 || NextDouble() < probability);
}
