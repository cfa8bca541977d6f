using System.Text.Json.Serialization;

namespace Tokenkeeper.Sync.Checkpoints;

/// <summary>
/// A job's progress as committed to the store after every batch: where the first unwritten record is (the page at
/// <see cref="Cursor"/> or <see cref="NextUrl"/>, <see cref="Offset"/> records in), the last batch number and the counts of
/// this generation. Never holds a token.
/// </summary>
internal sealed record SyncCheckpoint
{
    [JsonPropertyName("schema")]
    public int Schema { get; init; } = SyncConstants.CheckpointSchemaVersion;

    /// <summary>A random id born with the job's first checkpoint in this store and kept across generations; every batch's
    /// <c>Idempotency-Key</c> carries it. Null in checkpoints written before it existed (their keys carry none, as then).</summary>
    [JsonPropertyName("lineage")]
    public string? Lineage { get; init; }

    [JsonPropertyName("generation")]
    public int Generation { get; init; } = 1;

    /// <summary>The last batch written and checkpointed (0: none yet).</summary>
    [JsonPropertyName("batch")]
    public long Batch { get; init; }

    [JsonPropertyName("records_read")]
    public long RecordsRead { get; init; }

    [JsonPropertyName("records_written")]
    public long RecordsWritten { get; init; }

    /// <summary>The cursor of the page holding the next record (cursor pagination); null with <see cref="NextUrl"/> null: the first page.</summary>
    [JsonPropertyName("cursor")]
    public string? Cursor { get; init; }

    /// <summary>The URL of the page holding the next record (next-URL and Link pagination).</summary>
    [JsonPropertyName("next_url")]
    public string? NextUrl { get; init; }

    /// <summary>Records of that page already written.</summary>
    [JsonPropertyName("offset")]
    public int Offset { get; init; }

    [JsonPropertyName("completed")]
    public bool Completed { get; init; }

    /// <summary>What the generation's batches are made of: a resumed run must cut them the same way.</summary>
    [JsonPropertyName("shape")]
    public required CheckpointShape Shape { get; init; }

    [JsonPropertyName("started_at")]
    public DateTimeOffset StartedAt { get; init; }

    [JsonPropertyName("updated_at")]
    public DateTimeOffset UpdatedAt { get; init; }
}
