namespace Tokenkeeper.Events;

/// <summary>An event in the outbox with how its deliveries went.</summary>
/// <param name="Sequence">Its position in the outbox.</param>
/// <param name="Event">The event.</param>
/// <param name="Deliveries">One entry per sink that has seen it.</param>
public sealed record OutboxEntry(long Sequence, ConnectionEvent Event, IReadOnlyList<DeliveryState> Deliveries);

/// <summary>How delivering an event to one sink went.</summary>
/// <param name="Sink">The sink.</param>
/// <param name="Attempts">Attempts made.</param>
/// <param name="DeliveredAt">When it was accepted, if it was.</param>
/// <param name="DeadLetteredAt">When it was given up, if it was.</param>
/// <param name="LastError">The last failure.</param>
public sealed record DeliveryState(string Sink, int Attempts, DateTimeOffset? DeliveredAt, DateTimeOffset? DeadLetteredAt, string? LastError);
