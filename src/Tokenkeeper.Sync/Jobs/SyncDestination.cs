using Tokenkeeper.Protocol;

namespace Tokenkeeper.Sync;

/// <summary>A batch destination API, written through a managed connection: each batch is one <c>POST</c> with an
/// <c>Idempotency-Key</c>.</summary>
public sealed record SyncDestination
{
    /// <summary>The connection whose tokens the writes carry.</summary>
    public required string ConnectionId { get; init; }

    /// <summary>Where batches are posted (https, or http on loopback).</summary>
    public required Uri Url { get; init; }

    /// <summary>Records per batch. Default <see cref="SyncConstants.DefaultBatchSize"/>.</summary>
    public int BatchSize { get; init; } = SyncConstants.DefaultBatchSize;

    /// <summary>Null (the default): a batch is posted as a JSON array. Otherwise as <c>{"&lt;BodyField&gt;": […]}</c>.</summary>
    public string? BodyField { get; init; }

    /// <summary>Allow plain http off loopback (test environments only): bearer tokens would cross the network in clear. Default false.</summary>
    public bool AllowInsecureHttp { get; init; }

    /// <summary>Throws <see cref="TokenkeeperConfigurationException"/> when the destination is incompletely described.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Url);
        EndpointSecurity.EnsureAllowed(Url, AllowInsecureHttp, "destination URL");
        if (BatchSize is < 1 or > SyncConstants.MaxPageOrBatchSize)
        {
            throw new TokenkeeperConfigurationException($"The destination batch size must be 1 to {SyncConstants.MaxPageOrBatchSize}.");
        }
    }
}
