namespace Tokenkeeper.Events;

/// <summary>
/// Something that happened to a connection, written into the store's outbox in the same transaction as the change that
/// caused it (DESIGN.md contract 9), then delivered to webhooks and logs. Carries no token or secret.
/// </summary>
public sealed record ConnectionEvent
{
    /// <summary>A unique id; receivers use it to drop duplicates.</summary>
    public Guid Id { get; init; } = Guid.NewGuid();

    /// <summary>The connection.</summary>
    public required string ConnectionId { get; init; }

    /// <summary>The event type (see <see cref="ConnectionEventTypes"/>).</summary>
    public required string Type { get; init; }

    /// <summary>When it happened.</summary>
    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>The connection's state after the event.</summary>
    public string? State { get; init; }

    /// <summary>A machine-readable reason.</summary>
    public string? Reason { get; init; }

    /// <summary>Whose problem the failure behind the event is (see <see cref="FailureCause"/>); null for an event about no failure
    /// (a refresh, a change to <c>Active</c>).</summary>
    public FailureCause? Cause { get; init; }

    /// <summary>A sentence for people.</summary>
    public string? Detail { get; init; }

    /// <summary>More facts, as strings (fingerprints, counts, times).</summary>
    public IReadOnlyDictionary<string, string>? Data { get; init; }
}
