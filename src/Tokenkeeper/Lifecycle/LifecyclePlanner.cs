using Tokenkeeper.Connections;
using Tokenkeeper.Protocol;
using Tokenkeeper.Storage;
using Tokenkeeper.Refresh;

namespace Tokenkeeper.Lifecycle;

/// <summary>
/// Computes a connection's plan: refresh-token deadlines, the next keep-alive (driven by the refresh token's idle clock,
/// not by access-token expiry) and the warnings still to send before the absolute deadline.
/// </summary>
public sealed class LifecyclePlanner(LifecycleOptions options)
{
    private readonly LifecycleOptions _options = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>Plans one connection as it stands at <paramref name="now"/>.</summary>
    public ConnectionPlan Plan(ConnectionRecord record, ProviderProfile profile, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(profile);
        var hasRefreshToken = record.Registration.Grant == OAuthGrantType.RefreshToken && record.Tokens?.RefreshToken is not null;
        var idle = hasRefreshToken ? RefreshTokenDeadlines.Idle(record, profile) : null;
        var absolute = hasRefreshToken ? RefreshTokenDeadlines.Absolute(record, profile) : null;
        var plan = new ConnectionPlan
        {
            ConnectionId = record.ConnectionId,
            Provider = record.Registration.Provider,
            State = record.Status.State,
            Reason = record.Status.Reason,
            AccessTokenExpiresAt = record.Tokens is { AccessToken.IsEmpty: false } tokens ? tokens.ExpiresAt : null,
            IdleDeadline = idle,
            AbsoluteDeadline = absolute,
            NextKeepAliveAt = record.Status.IsUsable ? KeepAliveAt(idle, absolute, profile) : null,
            Warnings = record.Status.IsUsable && absolute is { } deadline && deadline > now ? Warnings(record, deadline) : [],
            NextAttemptAt = record.NextAttemptAt,
        };
        return record.Status.IsUsable ? plan with { NextProbeAt = ProbeAt(record.LastRefreshAt, plan.RefreshTokenDeadline) } : plan;
    }

    /// <summary>The warnings due at <paramref name="now"/> (possibly several thresholds at once).</summary>
    public static IReadOnlyList<PlannedWarning> Due(ConnectionPlan plan, DateTimeOffset now) =>
        [.. plan.Warnings.Where(w => w.At <= now && (plan.AbsoluteDeadline is null || plan.AbsoluteDeadline > now))];

    /// <summary>The first refresh-token deadline, or, when the provider already accepted a refresh at or past it, one probe
    /// interval after that refresh: a grant that outlives its profile is checked daily, not on every pass.</summary>
    private static DateTimeOffset? ProbeAt(DateTimeOffset? lastRefresh, DateTimeOffset? deadline) =>
        deadline is { } due && lastRefresh is { } last && last >= due ? last + LifecycleConstants.DeadlineProbeInterval : deadline;

    private DateTimeOffset? KeepAliveAt(DateTimeOffset? idle, DateTimeOffset? absolute, ProviderProfile profile)
    {
        if (!_options.KeepAlive || idle is not { } deadline || profile.RefreshTokenIdleLifetime is not { } lifetime)
        {
            return null;
        }

        var lead = lifetime * _options.KeepAliveLeadFraction;
        if (lead < _options.MinKeepAliveLead)
        {
            lead = _options.MinKeepAliveLead < lifetime ? _options.MinKeepAliveLead : lifetime / 2;
        }

        var due = AlignToWindow(deadline - lead);

        // A keep-alive cannot move an absolute deadline: none is planned past it.
        return absolute is { } end && end <= due ? null : due;
    }

    private DateTimeOffset AlignToWindow(DateTimeOffset due)
    {
        if (_options.DailyWindow is not { } window)
        {
            return due;
        }

        var candidate = new DateTimeOffset(due.UtcDateTime.Date + window.ToTimeSpan(), TimeSpan.Zero);
        return candidate <= due ? candidate : candidate.AddDays(-1);
    }

    private IReadOnlyList<PlannedWarning> Warnings(ConnectionRecord record, DateTimeOffset deadline)
    {
        var sent = record.WarnedDeadline == deadline ? record.ExpiryWarningsSent : [];
        return [.. _options.WarningDays
            .Where(days => !sent.Contains(days))
            .Select(days => new PlannedWarning(days, deadline - TimeSpan.FromDays(days)))
            .OrderBy(w => w.At)];
    }
}
