using Tokenkeeper.Diagnostics;
using Tokenkeeper.Storage;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Refresh;

/// <summary>
/// Stores what a refresh obtained, and nothing else: new tokens (a successful refresh, published to the cache once committed) or
/// a refresh token salvaged from an otherwise unusable answer. Both go through <see cref="IssuedTokenCommitter"/>, so a store
/// that will not take them keeps them instead of losing them; the caller then gets a <see cref="TokenStoreUnavailableException"/>.
/// </summary>
internal sealed class SuccessCommitter(RefreshContext context, IssuedTokenCommitter issuedTokens, TokenAdopter adopter)
{
    /// <summary>Commits the tokens of a successful refresh and publishes them.</summary>
    /// <param name="source">The connection's source.</param>
    /// <param name="flight">The flight (its trigger is recorded; its epoch decides whether the result may be published).</param>
    /// <param name="working">The record the refresh ran on.</param>
    /// <param name="lease">The lease the commit is fenced on.</param>
    /// <param name="issued">What the provider issued.</param>
    /// <param name="spent">The refresh token the refresh sent.</param>
    /// <param name="recoveredInDoubt">Whether an answer of this refresh was lost before this one came (recorded in the event).</param>
    /// <param name="cancellationToken">Cancels store calls.</param>
    public async Task<ManagedAccessToken> CommitAsync(ConnectionTokenSource source, Flight flight, ConnectionRecord working, StoreLease lease, TokenSet issued, RefreshToken? spent, bool recoveredInDoubt, CancellationToken cancellationToken)
    {
        var id = working.ConnectionId;
        var now = context.Now;
        var tokens = RecordTransitions.TokensToStore(issued, spent, working);
        var rotated = tokens.RefreshToken is { } fresh && fresh != spent;
        var generation = working.RefreshTokenGeneration;
        var next = RecordTransitions.Refreshed(working, tokens, generation, rotated, now);
        var events = RefreshEvents.Refreshed(working, next, tokens, flight.Trigger, rotated, recoveredInDoubt, now);
        var kept = new UncommittedTokens(tokens, generation, spent, flight.Trigger);
        var outcome = await issuedTokens.CommitAsync(source, working, lease, kept, next, events, latest =>
        {
            // Only merge onto a record whose refresh token nobody else changed; otherwise the other change wins.
            if (!RecordTransitions.StillHolds(latest, generation, working.Tokens?.RefreshToken))
            {
                return null;
            }

            var merged = RecordTransitions.Refreshed(latest, tokens, generation, rotated, now);
            return (merged, RefreshEvents.Merged(events, latest, merged, now));
        }, rotated, cancellationToken).ConfigureAwait(false);

        switch (outcome.End)
        {
            case IssuedCommitEnd.StoreFailed:
                Log.CommitConflict(context.Logger, id, "store failed; tokens kept until they can be committed: " + outcome.Error!.GetType().Name, tokens.AccessToken.Fingerprint);
                throw NotStored(id, outcome.Error.Message, outcome.Error);
            case IssuedCommitEnd.Unreadable:
                throw NotStored(id, outcome.Error!.Message, outcome.Error);
            case IssuedCommitEnd.GaveUp:
                Log.CommitConflict(context.Logger, id, "commit gave up; tokens kept until they can be committed", tokens.AccessToken.Fingerprint);
                throw NotStored(id, "the commit gave up", null);
            case IssuedCommitEnd.Superseded:
                Log.CommitConflict(context.Logger, id, "superseded", tokens.AccessToken.Fingerprint);
                RefreshGuards.ThrowIfNotUsable(outcome.Record!);
                return adopter.TryAdopt(source, outcome.Record!, flight, out var adopted)
                    ? adopted
                    : throw new TokenEndpointUnavailableException(id, $"Connection '{id}': the refreshed tokens could not be committed because another writer changed the connection.", null, cause: FailureCause.Infrastructure);
        }

        var trigger = TagValue.Of(flight.Trigger);
        context.Metrics.RecordRefresh(id, trigger, "success");
        Log.Refreshed(context.Logger, id, trigger, tokens.AccessToken.Fingerprint, tokens.Lifetime.TotalSeconds, tokens.RefreshToken?.Fingerprint ?? TokenFingerprint.None, rotated ? " (rotated)" : "");
        if (tokens.ExpirySource is ExpirySource.Default or ExpirySource.ProviderProfile)
        {
            context.Metrics.RecordDefaulted(TagValue.Of(tokens.ExpirySource));
            Log.ExpiryAssumed(context.Logger, id, TagValue.Of(tokens.ExpirySource), tokens.Lifetime.TotalSeconds);
        }

        // Committed; served only if the connection may serve and was not re-authorised or switched since the flight began.
        return adopter.PublishCommitted(source, outcome.Record!, flight);
    }

    /// <summary>Commits a refresh token salvaged from an unusable answer (see <see cref="RecordTransitions.Salvaged"/>): no refresh,
    /// no event. Returns the record to go on with: the committed one, or the latest when another writer moved the connection on.</summary>
    public async Task<ConnectionRecord> SalvageAsync(ConnectionTokenSource source, Flight flight, ConnectionRecord working, StoreLease lease, RefreshToken rotated, RefreshToken? spent, CancellationToken cancellationToken)
    {
        var id = working.ConnectionId;
        var now = context.Now;
        var generation = working.RefreshTokenGeneration;
        var next = RecordTransitions.Salvaged(working, rotated, now);
        var salvaged = new UncommittedTokens(next.Tokens!, generation, spent, flight.Trigger, RefreshTokenOnly: true);
        var outcome = await issuedTokens.CommitAsync(source, working, lease, salvaged, next, null, latest =>
            RecordTransitions.StillHolds(latest, generation, spent) ? (RecordTransitions.Salvaged(latest, rotated, now), []) : null, rotated: true, cancellationToken).ConfigureAwait(false);

        var spentFingerprint = spent?.Fingerprint ?? TokenFingerprint.None;
        var stored = outcome.End is IssuedCommitEnd.Committed;
        Log.RotatedRefreshTokenKept(context.Logger, id, spentFingerprint, rotated.Fingerprint, stored);
        return outcome.End switch
        {
            IssuedCommitEnd.Committed or IssuedCommitEnd.Superseded => outcome.Record!,
            _ => throw new TokenStoreUnavailableException(id, $"Connection '{id}': a rotated refresh token could not be stored ({outcome.Error?.Message ?? "the commit gave up"}); it is kept and committed before any further refresh.", outcome.Error),
        };
    }

    private static TokenStoreUnavailableException NotStored(string id, string why, Exception? inner) =>
        new(id, $"Connection '{id}': the refreshed tokens could not be stored ({why}); they are kept and committed before any further refresh.", inner);
}
