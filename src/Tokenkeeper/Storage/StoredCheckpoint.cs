namespace Tokenkeeper.Storage;

/// <summary>A job's checkpoint as the store keeps it: an opaque payload the job defines, versioned like connection records.</summary>
/// <param name="JobId">The job.</param>
/// <param name="Version">1 when first written, one more per commit.</param>
/// <param name="Payload">The job's own checkpoint, serialised (JSON for the sync engine). Never holds a token.</param>
/// <param name="UpdatedAt">When it was last committed.</param>
public sealed record StoredCheckpoint(string JobId, long Version, string Payload, DateTimeOffset UpdatedAt);
