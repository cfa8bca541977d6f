using System.Globalization;

namespace Tokenkeeper.Sync.Writing;

/// <summary>The <c>Idempotency-Key</c> of a batch: <c>{job id}:{generation}:{batch number}</c>. Batch numbers are
/// deterministic across a resume, so a batch re-sent after a crash carries the key it was first sent with.</summary>
internal static class IdempotencyKeys
{
    public static string For(string jobId, int generation, long batch) =>
        string.Create(CultureInfo.InvariantCulture, $"{jobId}:{generation}:{batch}");
}
