using Tokenkeeper.Connections;

namespace Tokenkeeper.Lifecycle;

/// <summary>What will happen to a connection and when (DESIGN.md contract 9).</summary>
public sealed record ConnectionPlan
{
    /// <summary>The connection.</summary>
    public required string ConnectionId { get; init; }

    /// <summary>Its provider profile name.</summary>
    public required string Provider { get; init; }

    /// <summary>Its state.</summary>
    public required ConnectionState State { get; init; }

    /// <summary>Why it is in <see cref="State"/> (see <see cref="Connections.StateReasons"/>).</summary>
    public string? Reason { get; init; }

    /// <summary>When its access token expires, if it has one.</summary>
    public DateTimeOffset? AccessTokenExpiresAt { get; init; }

    /// <summary>When the refresh token dies if it is not used (last use + the profile's idle lifetime).</summary>
    public DateTimeOffset? IdleDeadline { get; init; }

    /// <summary>When the refresh token dies whatever its use.</summary>
    public DateTimeOffset? AbsoluteDeadline { get; init; }

    /// <summary>When the next keep-alive refresh is due (null: none needed or possible).</summary>
    public DateTimeOffset? NextKeepAliveAt { get; init; }

    /// <summary>Warnings not yet sent, earliest first (none once the absolute deadline has passed: they can no longer help).</summary>
    public IReadOnlyList<PlannedWarning> Warnings { get; init; } = [];

    /// <summary>When the lifecycle service refreshes to learn whether a refresh-token deadline really ended the grant: the
    /// deadline itself, or, once the provider accepted a refresh past it (the profile's lifetime was too short),
    /// <see cref="LifecycleConstants.DeadlineProbeInterval"/> after that refresh. Null when no deadline is known.</summary>
    public DateTimeOffset? NextProbeAt { get; init; }

    /// <summary>Failed refreshes back off: no refresh (and no lifecycle work) for this connection before this time. Null: none.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>The earlier of the two deadlines.</summary>
    public DateTimeOffset? RefreshTokenDeadline => (IdleDeadline, AbsoluteDeadline) switch
    {
        ({ } idle, { } absolute) => idle < absolute ? idle : absolute,
        (var idle, var absolute) => idle ?? absolute,
    };

    /// <summary>The next moment the lifecycle service has something to do for this connection: the earliest keep-alive, warning
    /// or probe, but never inside a back-off.</summary>
    public DateTimeOffset? NextDueAt
    {
        get
        {
            var next = new[] { NextKeepAliveAt, Warnings.Count > 0 ? Warnings[0].At : null, NextProbeAt }.Where(t => t is not null).Min();
            return next is { } due && NextAttemptAt is { } notBefore && notBefore > due ? notBefore : next;
        }
    }

    /// <summary>Whether a probe refresh is due at <paramref name="now"/>.</summary>
    public bool ProbeDue(DateTimeOffset now) => NextProbeAt <= now;

    /// <summary>Whether a refresh-token deadline has been reached at <paramref name="now"/> (providers expire a token at its deadline).</summary>
    public bool DeadlineReached(DateTimeOffset now) => RefreshTokenDeadline <= now;
}

/// <summary>A warning to send before the absolute deadline.</summary>
/// <param name="DaysBefore">The threshold: days before the deadline.</param>
/// <param name="At">When it is due.</param>
public sealed record PlannedWarning(int DaysBefore, DateTimeOffset At);
