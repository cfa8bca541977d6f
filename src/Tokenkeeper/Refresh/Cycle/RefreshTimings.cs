using Tokenkeeper.Connections;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Refresh;

/// <summary>
/// Every duration the refresh path derives, computed in one place from the options and the token request timeout: how long a
/// request may be in flight, how long leases last and lease waits go on, back-offs between attempts and between cycles, and how
/// a retry in doubt is kept inside a provider's grace window.
/// </summary>
internal sealed class RefreshTimings(TokenManagerOptions options, TimeSpan requestTimeout, Func<double> jitter)
{
    /// <summary>A request in flight may take this long: the request timeout plus <see cref="RefreshConstants.LeaseSafetyMargin"/>.
    /// Leases always cover it, and a peer waits that long before taking an intent for a lost answer.</summary>
    public TimeSpan RequestWindow { get; } = requestTimeout + RefreshConstants.LeaseSafetyMargin;

    /// <summary>Leases last the configured duration, and never less than two request windows.</summary>
    public TimeSpan LeaseSpan => options.LeaseDuration > RequestWindow * 2 ? options.LeaseDuration : RequestWindow * 2;

    /// <summary>How long to wait for another instance's lease: the configured wait, and at least a request window (a peer's refresh
    /// in flight is then either committed or known to be in doubt).</summary>
    public TimeSpan LeasePatience => options.LeaseWaitTimeout > RequestWindow + options.LeasePollMax ? options.LeaseWaitTimeout : RequestWindow + options.LeasePollMax;

    /// <summary>The first lease poll interval.</summary>
    public TimeSpan FirstLeasePoll => options.LeasePollMin;

    /// <summary>The poll interval after <paramref name="delay"/>: doubled, at most <see cref="TokenManagerOptions.LeasePollMax"/>.</summary>
    public TimeSpan NextLeasePoll(TimeSpan delay) => TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.LeasePollMax.Ticks));

    /// <summary><paramref name="delay"/> jittered to 50-100% of itself, so instances do not poll in step.</summary>
    public TimeSpan Jittered(TimeSpan delay) => TimeSpan.FromTicks((long)(delay.Ticks * (0.5 + (jitter() * 0.5))));

    /// <summary>Until when the latest request of an intent may still be at the provider: what its sender recorded, or (for records
    /// written before that was recorded) its start plus this instance's request window.</summary>
    public DateTimeOffset InFlightUntil(RefreshIntent intent) => intent.InFlightUntil ?? intent.StartedAt + RequestWindow;

    /// <summary>Before attempt <paramref name="attempt"/> + 1 of a cycle: the provider's <c>Retry-After</c>, else exponential from
    /// <see cref="TokenManagerOptions.RetryBaseDelay"/> up to <see cref="TokenManagerOptions.RetryMaxDelay"/>, jittered to 50-100%.</summary>
    public TimeSpan RetryDelay(int attempt, TimeSpan? retryAfter)
    {
        if (retryAfter is { } asked && asked > TimeSpan.Zero)
        {
            return asked;
        }

        var exponential = Math.Min(options.RetryBaseDelay.Ticks * (1L << Math.Min(attempt - 1, 30)), options.RetryMaxDelay.Ticks);
        return Jittered(TimeSpan.FromTicks(exponential));
    }

    /// <summary>After <paramref name="failures"/> failed cycles in a row: <see cref="TokenManagerOptions.FailureBackoffBase"/>,
    /// doubled per further failure, at most <see cref="TokenManagerOptions.FailureBackoffMax"/>.</summary>
    public TimeSpan FailureBackoff(int failures)
    {
        var exponent = Math.Min(failures - 1, 30);
        return TimeSpan.FromTicks(Math.Min(options.FailureBackoffBase.Ticks * (1L << exponent), options.FailureBackoffMax.Ticks));
    }

    /// <summary>
    /// How long after a failed cycle the next may start: the back-off, or the provider's longer <c>Retry-After</c>; for a refresh
    /// in doubt (<paramref name="firstSent"/>), kept inside the provider's grace window (<see cref="WithinRotationGrace"/>); and no
    /// sooner than <paramref name="notBefore"/> (when a refresh in doubt may be settled).
    /// </summary>
    public TimeSpan NextAttemptWait(int failures, TimeSpan? retryAfter, DateTimeOffset? firstSent, ProviderProfile profile, DateTimeOffset? notBefore, DateTimeOffset now)
    {
        var wait = FailureBackoff(failures);
        if (retryAfter is { } asked && asked > wait)
        {
            wait = asked;
        }

        if (firstSent is { } sent)
        {
            wait = WithinRotationGrace(wait, sent, profile, now);
        }

        return notBefore is { } earliest && earliest - now > wait ? earliest - now : wait;
    }

    /// <summary>
    /// Contract 6: a lost answer is recovered inside the provider's grace window. When the old refresh token only works for a grace
    /// period after rotation, the retry comes within <see cref="RefreshConstants.InDoubtGraceShare"/> of it (counted from when the
    /// refresh token was first sent), and past that point within half of what is left before
    /// <see cref="RefreshConstants.InDoubtGraceUsableShare"/> (the last moment a resend is allowed), even if the back-off or a
    /// <c>Retry-After</c> asks for longer: after the window the grant could only be re-authorised (or asked about by introspection).
    /// </summary>
    public static TimeSpan WithinRotationGrace(TimeSpan wait, DateTimeOffset firstSent, ProviderProfile profile, DateTimeOffset now)
    {
        if (profile.Rotation is RefreshTokenRotation.None or RefreshTokenRotation.Unknown || profile.RotationGrace <= TimeSpan.Zero)
        {
            return wait;
        }

        var target = firstSent + (profile.RotationGrace * RefreshConstants.InDoubtGraceShare);
        var end = firstSent + (profile.RotationGrace * RefreshConstants.InDoubtGraceUsableShare);
        var latest = now < target ? target - now : now < end ? (end - now) / 2 : wait;
        return wait < latest ? wait : latest;
    }
}
