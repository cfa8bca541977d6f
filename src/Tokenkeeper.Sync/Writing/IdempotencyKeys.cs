using System.Globalization;

namespace Tokenkeeper.Sync.Writing;

/// <summary>The <c>Idempotency-Key</c> of a batch: <c>{job id}:{lineage}:{generation}:{batch number}</c>. Batch numbers are
/// deterministic across a resume, so a batch re-sent after a crash carries the key it was first sent with; the lineage is born
/// with the job's first checkpoint in a store, so a job run against a new store starts fresh keys instead of having the
/// destination replay the old store's answers (docs/sync.md, "Idempotency keys and a lost store"). A checkpoint written before
/// lineages existed has none, and its keys keep the old form <c>{job id}:{generation}:{batch number}</c>.</summary>
internal static class IdempotencyKeys
{
    public static string For(string jobId, string? lineage, int generation, long batch) => lineage is null
        ? string.Create(CultureInfo.InvariantCulture, $"{jobId}:{generation}:{batch}")
        : string.Create(CultureInfo.InvariantCulture, $"{jobId}:{lineage}:{generation}:{batch}");
}
