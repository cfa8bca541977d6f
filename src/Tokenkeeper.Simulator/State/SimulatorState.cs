using System.Collections.Concurrent;
using System.Globalization;

namespace Tokenkeeper.Simulator;

/// <summary>
/// Everything the simulator remembers: grants, tokens, codes, replay caches, stored contacts and counters.
/// <c>POST /sim/reset</c> replaces the whole state with a fresh one, so a reset is a single swap.
/// </summary>
internal sealed class SimulatorState
{
    private long _grantCounter;
    private long _batchCounter;
    private int _sweeping;

    public ConcurrentDictionary<string, AccessTokenRecord> AccessTokens { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, RefreshTokenRecord> RefreshTokens { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, Grant> Grants { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, AuthorizationCodeRecord> Codes { get; } = new(StringComparer.Ordinal);

    /// <summary>Client-assertion <c>jti</c> values seen (key: issuer + jti), with the assertion's expiry.</summary>
    public ConcurrentDictionary<string, DateTimeOffset> AssertionIds { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, RateWindow> RateWindows { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, IdempotencyEntry> Idempotency { get; } = new(StringComparer.Ordinal);

    /// <summary>Stored contacts by id: the last JSON written for each.</summary>
    public ConcurrentDictionary<string, string> StoredContacts { get; } = new(StringComparer.Ordinal);

    public StatsCounters Stats { get; } = new();

    public string NextGrantId() => "g-" + Interlocked.Increment(ref _grantCounter).ToString("D6", CultureInfo.InvariantCulture);

    public string NextBatchId() => "b-" + Interlocked.Increment(ref _batchCounter).ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>
    /// Forgets access tokens that expired more than <see cref="SimulatorDefaults.ExpiredTokenRetention"/> ago, once
    /// more than <see cref="SimulatorDefaults.TokenSweepThreshold"/> are held; one sweep at a time.
    /// </summary>
    public void SweepIfLarge(DateTimeOffset now)
    {
        if (AccessTokens.Count <= SimulatorDefaults.TokenSweepThreshold || Interlocked.Exchange(ref _sweeping, 1) == 1)
        {
            return;
        }

        try
        {
            var cutoff = now - SimulatorDefaults.ExpiredTokenRetention;
            foreach (var (token, record) in AccessTokens)
            {
                if (record.ExpiresAt < cutoff)
                {
                    AccessTokens.TryRemove(token, out _);
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
