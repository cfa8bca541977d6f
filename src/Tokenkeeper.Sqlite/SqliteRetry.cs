using Microsoft.Data.Sqlite;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Sqlite;

/// <summary>
/// Runs one store operation, retrying it with jittered exponential backoff while the database is locked by another process or
/// cannot be opened or written for now, for up to the store's retry window; then, or at once for any other SQLite error, fails
/// with a <see cref="TokenStoreException"/> that says which (<see cref="TokenStoreException.IsTransient"/>). Every operation is one
/// transaction or one statement: a failed attempt changed nothing, so trying it again is safe.
/// </summary>
internal sealed class SqliteRetry(TimeSpan window, TimeProvider time, string path, Func<double>? jitter = null)
{
    private readonly Func<double> _jitter = jitter ?? Random.Shared.NextDouble;

    /// <summary>SQLite result codes that say "not now" rather than "never": BUSY, LOCKED, IOERR, FULL, CANTOPEN, PROTOCOL.</summary>
    public static bool IsTransient(SqliteException exception) => exception.SqliteErrorCode is 5 or 6 or 10 or 13 or 14 or 15;

    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var delay = StorageConstants.StoreRetryFirstDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await operation(cancellationToken).ConfigureAwait(false);
            }
            catch (SqliteException ex) when (IsTransient(ex))
            {
                var elapsed = time.GetElapsedTime(started);
                if (elapsed >= window)
                {
                    throw new TokenStoreException(
                        $"The store {path} stayed unavailable for {elapsed.TotalSeconds:0} s ({attempt} attempts; SQLite: {ex.Message}). Another process may hold a write lock, or the disk may be full or unreachable.",
                        ex,
                        isTransient: true);
                }
            }
            catch (SqliteException ex)
            {
                throw new TokenStoreException($"The store {path} failed (SQLite: {ex.Message}).", ex);
            }

            var jittered = TimeSpan.FromTicks((long)(delay.Ticks * (0.5 + (_jitter() * 0.5))));
            await Task.Delay(jittered, time, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, StorageConstants.StoreRetryMaxDelay.Ticks));
        }
    }
}
