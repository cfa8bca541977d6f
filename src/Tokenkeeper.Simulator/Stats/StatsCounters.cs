namespace Tokenkeeper.Simulator;

/// <summary>The live counters behind <c>GET /sim/stats</c>: plain fields bumped with <see cref="Interlocked"/>.</summary>
internal sealed class StatsCounters
{
    private readonly long[] _tokensIssued = new long[IssuedByNames.All.Count];
    private readonly long[] _faults = new long[FaultSpec.AllNames.Count];
    private readonly long[] _apiFaults = new long[FaultSpec.AllNames.Count];

    public long TokenRequests;
    public long ApiRequests;
    public long RefreshesServed;
    public long RefreshTokenReuseAttempts;
    public long ReuseWithinGrace;
    public long SpentRefreshTokensPresented;
    public long TokenResponsesHeld;
    public long GrantsCreated;
    public long GrantsRevoked;
    public long InvalidGrantServed;
    public long UnauthorizedServed;
    public long ForbiddenServed;
    public long RateLimitedServed;
    public long TokensRevokedRandomly;
    public long ContactsReceived;
    public long DuplicateWritesAbsorbed;
    public long IdempotencyConflicts;
    public long BatchesStored;
    public long InternalErrors;

    public void TokenIssued(IssuedBy kind) => Interlocked.Increment(ref _tokensIssued[(int)kind]);

    public void FaultInjected(FaultKind kind, bool api)
    {
        Interlocked.Increment(ref _faults[(int)kind]);
        if (api)
        {
            Interlocked.Increment(ref _apiFaults[(int)kind]);
        }
    }

    public SimulatorStats Snapshot(int contactsStoredDistinct) => new()
    {
        TokensIssued = Counts(_tokensIssued, IssuedByNames.All),
        TokenRequests = Interlocked.Read(ref TokenRequests),
        ApiRequests = Interlocked.Read(ref ApiRequests),
        RefreshesServed = Interlocked.Read(ref RefreshesServed),
        RefreshTokenReuseAttempts = Interlocked.Read(ref RefreshTokenReuseAttempts),
        ReuseWithinGrace = Interlocked.Read(ref ReuseWithinGrace),
        SpentRefreshTokensPresented = Interlocked.Read(ref SpentRefreshTokensPresented),
        TokenResponsesHeld = Interlocked.Read(ref TokenResponsesHeld),
        GrantsCreated = Interlocked.Read(ref GrantsCreated),
        GrantsRevoked = Interlocked.Read(ref GrantsRevoked),
        InvalidGrantServed = Interlocked.Read(ref InvalidGrantServed),
        UnauthorizedServed = Interlocked.Read(ref UnauthorizedServed),
        ForbiddenServed = Interlocked.Read(ref ForbiddenServed),
        RateLimitedServed = Interlocked.Read(ref RateLimitedServed),
        TokensRevokedRandomly = Interlocked.Read(ref TokensRevokedRandomly),
        FaultsInjected = Counts(_faults, FaultSpec.AllNames),
        ApiFaultsInjected = Counts(_apiFaults, FaultSpec.AllNames),
        ContactsReceived = Interlocked.Read(ref ContactsReceived),
        ContactsStoredDistinct = contactsStoredDistinct,
        DuplicateWritesAbsorbed = Interlocked.Read(ref DuplicateWritesAbsorbed),
        IdempotencyConflicts = Interlocked.Read(ref IdempotencyConflicts),
        BatchesStored = Interlocked.Read(ref BatchesStored),
        InternalErrors = Interlocked.Read(ref InternalErrors),
    };

    private static Dictionary<string, long> Counts(long[] values, IReadOnlyList<string> names)
    {
        var counts = new Dictionary<string, long>(names.Count, StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++)
        {
            counts[names[i]] = Interlocked.Read(ref values[i]);
        }

        return counts;
    }
}
