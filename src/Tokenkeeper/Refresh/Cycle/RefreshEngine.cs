namespace Tokenkeeper.Refresh;

/// <summary>
/// The refresh path, wired once per manager: every step built from the one <see cref="RefreshContext"/>, so the wiring is in
/// one place and each step sees only its neighbours. What the rest of the manager uses is exposed here.
/// </summary>
internal sealed class RefreshEngine
{
    /// <summary>Wires the refresh path over <paramref name="context"/>.</summary>
    public RefreshEngine(RefreshContext context)
    {
        Context = context;
        Adopter = new TokenAdopter(context);
        KeptStorage = new KeptTokenStorage(context);
        var committer = new VersionedCommitter(context);
        var leases = new LeaseAcquirer(context, Adopter);
        var doubts = new InDoubtResolver(context);
        var successes = new SuccessCommitter(context, new IssuedTokenCommitter(context, committer, KeptStorage), Adopter);
        var failures = new FailureRecorder(context, committer, Adopter);
        var refresher = new GrantRefresher(context, doubts, new RequestSender(context, doubts, committer), successes, failures, Adopter);
        KeptTokens = new KeptTokensCommitter(context, successes, KeptStorage, leases);
        Coordinator = new RefreshCoordinator(context, Adopter, KeptStorage, leases, KeptTokens, refresher);
    }

    /// <summary>What the refresh path needs from the manager.</summary>
    public RefreshContext Context { get; }

    /// <summary>Publishes stored tokens to a connection's cache.</summary>
    public TokenAdopter Adopter { get; }

    /// <summary>Keeps tokens the store would not take, and takes over those another process kept.</summary>
    public KeptTokenStorage KeptStorage { get; }

    /// <summary>Stores kept tokens (before a refresh, and while the manager stops).</summary>
    public KeptTokensCommitter KeptTokens { get; }

    /// <summary>Runs one refresh.</summary>
    public RefreshCoordinator Coordinator { get; }
}
