using Microsoft.Extensions.Logging;

namespace Tokenkeeper.Simulator;

/// <summary>What every endpoint shares: the live options, the clocks, the seeded randomness and the current state.</summary>
internal sealed class SimulatorRuntime
{
    private volatile SimulatorState _state = new();
    private ResolvedPersonality _personality = new(null, PersonalityKind.Generic);

    public SimulatorRuntime(SimulatorOptions options, TimeProvider timeProvider, ILogger logger)
    {
        Options = options;
        Clock = new SimulatorClock(timeProvider, options);
        Random = new SeededRandom(options.Seed);
        Clients = new ClientRegistry(options);
        Logger = logger;
        Jwt = new JwtSigner(this);
        Contacts = new ContactDatasetCache(options);
    }

    public SimulatorOptions Options { get; }

    public SimulatorClock Clock { get; }

    public SeededRandom Random { get; }

    public ClientRegistry Clients { get; }

    public ILogger Logger { get; }

    public JwtSigner Jwt { get; }

    public ContactDatasetCache Contacts { get; }

    public FaultList TokenFaults { get; } = new();

    public FaultList ApiFaults { get; } = new();

    public SimulatorState State => _state;

    public StatsCounters Stats => _state.Stats;

    /// <summary>The base address, e.g. <c>http://127.0.0.1:41234/</c>; set once Kestrel has bound its port.</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The issuer identifier: <see cref="SimulatorOptions.Issuer"/>, or the base address without its trailing slash.</summary>
    public string Issuer { get; private set; } = "http://127.0.0.1";

    public string TokenEndpointUrl { get; private set; } = "http://127.0.0.1/oauth/token";

    /// <summary>The <c>aud</c> of JWT access tokens: the resource API's base URL.</summary>
    public string ApiAudience { get; private set; } = "http://127.0.0.1/api";

    public PersonalityKind Personality
    {
        get
        {
            var name = Options.Personality;
            var cached = _personality;
            if (ReferenceEquals(cached.Name, name))
            {
                return cached.Kind;
            }

            var kind = PersonalityPresets.Resolve(name);
            _personality = new ResolvedPersonality(name, kind);
            return kind;
        }
    }

    public void Bind(Uri baseAddress)
    {
        BaseAddress = baseAddress;
        var root = baseAddress.ToString().TrimEnd('/');
        Issuer = Options.Issuer ?? root;
        TokenEndpointUrl = root + "/oauth/token";
        ApiAudience = root + "/api";
    }

    /// <summary>Clears grants, tokens, stored contacts and stats (not dials), and reseeds the randomness.</summary>
    public void Reset()
    {
        _state = new SimulatorState();
        Random.Reseed(Options.Seed);
    }

    /// <summary>A personality name and what it resolved to, swapped as a whole.</summary>
    private sealed record ResolvedPersonality(string? Name, PersonalityKind Kind);
}
