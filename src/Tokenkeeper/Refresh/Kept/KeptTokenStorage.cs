using Tokenkeeper.Diagnostics;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Refresh;

/// <summary>
/// Tokens the store would not take, kept where they outlive a failure: in the connection's <see cref="KeptTokenSlot"/> (stored
/// again in the background and before any further refresh) and beside a persistent store (<see cref="IKeptTokenStore"/>), so
/// they outlive the process too; and taken over from beside the store when another process of this machine left them there.
/// </summary>
internal sealed class KeptTokenStorage(RefreshContext context)
{
    /// <summary>Keeps tokens the store would not take, in memory and beside the store, and starts storing them in the background.</summary>
    public async Task KeepAsync(ConnectionTokenSource source, UncommittedTokens kept)
    {
        source.Kept.Keep(kept);
        source.Kept.StartStoring();
        await SaveBesideAsync(source.ConnectionId, kept).ConfigureAwait(false);
    }

    /// <summary>Forgets kept tokens once stored or obsolete, in memory (if still the same) and beside the store.</summary>
    public async Task ForgetAsync(ConnectionTokenSource source, UncommittedTokens kept)
    {
        source.Kept.Forget(kept);
        await RemoveBesideAsync(source.ConnectionId, kept.Generation).ConfigureAwait(false);
    }

    /// <summary>Writes kept tokens beside a persistent store; a failure is logged (critical: they then live only in memory).
    /// <paramref name="aheadOfCommit"/>: written before the commit that normally removes them at once, so not announced, and not
    /// flushed to the disk (the page cache survives the process; the commit, a few milliseconds later, is durable itself).</summary>
    public async Task SaveBesideAsync(string connectionId, UncommittedTokens kept, bool aheadOfCommit = false)
    {
        if (context.Beside is not { } beside)
        {
            return;
        }

        var fingerprint = kept.Tokens.RefreshToken?.Fingerprint ?? TokenFingerprint.None;
        try
        {
            await beside.SaveKeptAsync(kept.ToKept(connectionId, context.InstanceId, context.Now), durable: !aheadOfCommit, CancellationToken.None).ConfigureAwait(false);
            if (!aheadOfCommit)
            {
                Log.TokensKept(context.Logger, connectionId, fingerprint, kept.Generation);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.TokensNotKept(context.Logger, connectionId, fingerprint, ex.GetType().Name + ": " + ex.Message);
        }
    }

    /// <summary>Removes tokens kept beside the store for the refresh that spent <paramref name="spentGeneration"/>, once stored or
    /// obsolete. A failure is harmless: the next process finds them obsolete (the store has moved past that generation).</summary>
    public async Task RemoveBesideAsync(string connectionId, int spentGeneration)
    {
        if (context.Beside is not { } beside)
        {
            return;
        }

        try
        {
            await beside.RemoveKeptAsync(connectionId, spentGeneration, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.CommitConflict(context.Logger, connectionId, "removing kept tokens failed: " + ex.GetType().Name, TokenFingerprint.None);
        }
    }

    /// <summary>
    /// Takes over tokens another process of this machine kept beside the store (it exited or was killed while the store would not
    /// take them): if the store still holds the refresh token they replace, they become this instance's to store, before any
    /// refresh; if the store has moved on, they are obsolete and removed.
    /// </summary>
    public async Task AdoptBesideAsync(ConnectionTokenSource source, ConnectionRecord record)
    {
        if (context.Beside is not { } beside || await beside.GetKeptAsync(source.ConnectionId, CancellationToken.None).ConfigureAwait(false) is not { } kept)
        {
            return;
        }

        if (UncommittedTokens.FromKept(kept, record) is not { } adopted)
        {
            await beside.RemoveKeptAsync(source.ConnectionId, kept.SpentGeneration, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        Log.KeptTokensAdopted(context.Logger, source.ConnectionId, kept.KeptBy, kept.KeptAt, kept.Tokens.RefreshToken?.Fingerprint ?? TokenFingerprint.None);
        if (source.Kept.Current is null)
        {
            source.Kept.Keep(adopted);
            source.Kept.StartStoring();
        }
    }
}
