namespace Tokenkeeper.Lifecycle;

/// <summary>Something a lifecycle pass did to a connection.</summary>
/// <param name="ConnectionId">The connection.</param>
/// <param name="Kind">What: <c>keepalive</c>, <c>probe</c> (a refresh after a deadline was reached), or <c>warning</c>.</param>
/// <param name="Succeeded">Whether it worked.</param>
/// <param name="Detail">What happened, for people.</param>
/// <param name="Cause">For a failed action, whose problem it was (see <see cref="FailureCause"/>).</param>
public sealed record LifecycleAction(string ConnectionId, string Kind, bool Succeeded, string Detail, FailureCause? Cause = null);

/// <summary>The outcome of one lifecycle pass.</summary>
/// <param name="At">When it ran.</param>
/// <param name="Actions">What it did.</param>
/// <param name="NextDueAt">When the next pass has something to do.</param>
/// <param name="Delivered">Events delivered to sinks during the pass.</param>
public sealed record LifecyclePass(DateTimeOffset At, IReadOnlyList<LifecycleAction> Actions, DateTimeOffset NextDueAt, int Delivered);
