using System.Collections.Concurrent;
using System.Globalization;

namespace Tokenkeeper.Simulator;

/// <summary>
/// Everything the simulator remembers: grants, tokens, codes, replay caches, stored contacts and counters.
/// <c>POST /sim/reset</c> replaces the whole state with a fresh one, so a reset is a single swap.
/// </summary>
internal sealed class SimulatorState(int sweepThreshold = SimulatorDefaults.TokenSweepThreshold)
{
    private long _grantCounter;
    private long _batchCounter;
    private long _accessTokenCount;
    private long _nextSweepTicks;
    private int _sweeping;

    public ConcurrentDictionary<string, AccessTokenRecord> AccessTokens { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, RefreshTokenRecord> RefreshTokens { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, Grant> Grants { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, AuthorizationCodeRecord> Codes { get; } = new(StringComparer.Ordinal);

    /// <summary>Device authorization requests by device code (RFC 8628).</summary>
    public ConcurrentDictionary<string, DeviceAuthorization> DeviceCodes { get; } = new(StringComparer.Ordinal);

    /// <summary>Client-assertion <c>jti</c> values seen (key: issuer + jti), with the assertion's expiry.</summary>
    public ConcurrentDictionary<string, DateTimeOffset> AssertionIds { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, RateWindow> RateWindows { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, IdempotencyEntry> Idempotency { get; } = new(StringComparer.Ordinal);

    /// <summary>Stored contacts by id: the last JSON written for each.</summary>
    public ConcurrentDictionary<string, string> StoredContacts { get; } = new(StringComparer.Ordinal);

    public StatsCounters Stats { get; } = new();

    public string NextGrantId() => "g-" + Interlocked.Increment(ref _grantCounter).ToString("D6", CultureInfo.InvariantCulture);

    public string NextBatchId() => "b-" + Interlocked.Increment(ref _batchCounter).ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>Records an issued access token.</summary>
    public void AddAccessToken(string token, AccessTokenRecord record, DateTimeOffset now)
    {
        AccessTokens[token] = record;
        if (Interlocked.Increment(ref _accessTokenCount) > sweepThreshold && now.UtcTicks >= Volatile.Read(ref _nextSweepTicks))
        {
            Sweep(now);
        }
    }

    /// <summary>
    /// Forgets access tokens that expired more than <see cref="SimulatorDefaults.ExpiredTokenRetention"/> ago. Runs
    /// only while more than the threshold (<see cref="SimulatorDefaults.TokenSweepThreshold"/>) are held, at most once per
    /// <see cref="SimulatorDefaults.TokenSweepInterval"/> of simulator time, one sweep at a time.
    /// </summary>
    private void Sweep(DateTimeOffset now)
    {
        if (Interlocked.Exchange(ref _sweeping, 1) == 1)
        {
            return;
        }

        try
        {
            Volatile.Write(ref _nextSweepTicks, (now + SimulatorDefaults.TokenSweepInterval).UtcTicks);
            var cutoff = now - SimulatorDefaults.ExpiredTokenRetention;
            foreach (var (token, record) in AccessTokens)
            {
                if (record.ExpiresAt < cutoff && AccessTokens.TryRemove(token, out _))
                {
                    Interlocked.Decrement(ref _accessTokenCount);
                }
            }

            foreach (var (id, expires) in AssertionIds)
            {
                if (expires < now)
                {
                    AssertionIds.TryRemove(id, out _);
                }
            }
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }
}
