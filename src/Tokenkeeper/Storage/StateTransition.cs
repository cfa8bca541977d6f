using Tokenkeeper.Connections;

namespace Tokenkeeper.Storage;

/// <summary>One change of a connection's state, kept in its history.</summary>
/// <param name="At">When.</param>
/// <param name="From">The state before.</param>
/// <param name="To">The state after.</param>
/// <param name="Reason">Why (see <see cref="StateReasons"/>).</param>
/// <param name="Detail">What the provider or operator said.</param>
public sealed record StateTransition(DateTimeOffset At, ConnectionState From, ConnectionState To, string Reason, string? Detail = null);
