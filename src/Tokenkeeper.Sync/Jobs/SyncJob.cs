namespace Tokenkeeper.Sync;

/// <summary>A resumable sync: records read page by page from <see cref="Source"/> and written in batches to
/// <see cref="Destination"/>, each through its own managed connection.</summary>
public sealed record SyncJob
{
    /// <summary>The job's id: the key of its checkpoint and the first part of every batch's <c>Idempotency-Key</c>.</summary>
    public required string Id { get; init; }

    /// <summary>Where records come from.</summary>
    public required SyncSource Source { get; init; }

    /// <summary>Where records go.</summary>
    public required SyncDestination Destination { get; init; }

    /// <summary>Throws <see cref="TokenkeeperConfigurationException"/> when the job cannot run as described.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Id) || Id.Length > SyncConstants.MaxJobIdLength || !JobIds.IsValid(Id))
        {
            throw new TokenkeeperConfigurationException($"The job id '{Id}' must be 1 to {SyncConstants.MaxJobIdLength} letters, digits, '.', '_' or '-'.");
        }

        Source.Validate();
        Destination.Validate();
    }
}
