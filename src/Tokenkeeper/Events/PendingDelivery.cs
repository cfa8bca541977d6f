namespace Tokenkeeper.Events;

/// <summary>An event claimed for delivery to one sink.</summary>
/// <param name="Sequence">The event's position in the outbox.</param>
/// <param name="Sink">The sink (webhook name).</param>
/// <param name="Event">The event.</param>
/// <param name="Attempt">Which attempt this is, from 1.</param>
public sealed record PendingDelivery(long Sequence, string Sink, ConnectionEvent Event, int Attempt);
