using Tokenkeeper.Storage;

namespace Tokenkeeper.Broker;

/// <summary>What counts as the store failing (not the caller, not the provider): answered 503 <c>cause: infrastructure</c>,
/// kept and retried by the audit writer.</summary>
internal static class StoreFaults
{
    /// <summary>Whether <paramref name="ex"/> is a store fault.</summary>
    public static bool Is(Exception ex) => ex is TokenStoreException or System.Data.Common.DbException or IOException or TokenStoreUnavailableException;
}
