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

    /// <summary>When its access token expires, if it has one.</summary>
    public DateTimeOffset? AccessTokenExpiresAt { get; init; }

    /// <summary>When the refresh token dies if it is not used (last use + the profile's idle lifetime).</summary>
    public DateTimeOffset? IdleDeadline { get; init; }

    /// <summary>When the refresh token dies whatever its use.</summary>
    public DateTimeOffset? AbsoluteDeadline { get; init; }

    /// <summary>When the next keep-alive refresh is due (null: none needed or possible).</summary>
    public DateTimeOffset? NextKeepAliveAt { get; init; }

    /// <summary>Warnings not yet sent, earliest first.</summary>
    public IReadOnlyList<PlannedWarning> Warnings { get; init; } = [];

    /// <summary>The earlier of the two deadlines.</summary>
    public DateTimeOffset? RefreshTokenDeadline => (IdleDeadline, AbsoluteDeadline) switch
    {
        ({ } idle, { } absolute) => idle < absolute ? idle : absolute,
        (var idle, var absolute) => idle ?? absolute,
    };

    /// <summary>The next moment the lifecycle service has something to do for this connection.</summary>
    public DateTimeOffset? NextDueAt => new[] { NextKeepAliveAt, Warnings.Count > 0 ? Warnings[0].At : null, RefreshTokenDeadline }.Where(t => t is not null).Min();

    /// <summary>Whether a refresh-token deadline has been reached at <paramref name="now"/> (providers expire a token at its deadline).</summary>
    public bool DeadlineReached(DateTimeOffset now) => RefreshTokenDeadline <= now;
}

/// <summary>A warning to send before the absolute deadline.</summary>
/// <param name="DaysBefore">The threshold: days before the deadline.</param>
/// <param name="At">When it is due.</param>
public sealed record PlannedWarning(int DaysBefore, DateTimeOffset At);
