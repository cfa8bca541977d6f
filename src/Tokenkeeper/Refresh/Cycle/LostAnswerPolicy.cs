using System.Globalization;
using Tokenkeeper.Connections;

namespace Tokenkeeper.Refresh;

/// <summary>What to do about a refresh whose answer may have been lost after the provider acted on it.</summary>
internal enum LostAnswerVerdict
{
    /// <summary>Send the same refresh token again: the provider does not rotate, or its old token still works well inside a grace window.</summary>
    Resend,

    /// <summary>Send nothing now; ask the provider's introspection endpoint later (at <see cref="LostAnswerDecision.NotBefore"/>, or
    /// after the usual back-off when null): the first request may still be being processed, and an "active" now could turn stale a
    /// moment later; or the endpoint could not be reached.</summary>
    WaitToIntrospect,

    /// <summary>Ask the provider's introspection endpoint now whether the refresh token sent is still active.</summary>
    Introspect,

    /// <summary>Send nothing: the refresh token may have been spent, nothing can tell, and a second use could revoke the grant.</summary>
    GiveUp,
}

/// <summary>A <see cref="LostAnswerPolicy"/> verdict and why, in words for logs and operators.</summary>
/// <param name="Verdict">What to do.</param>
/// <param name="Why">Why, as a clause for a sentence.</param>
/// <param name="NotBefore">For <see cref="LostAnswerVerdict.WaitToIntrospect"/>: when to ask.</param>
/// <param name="TokenActive">What the provider's introspection said about the refresh token sent; null when it was not asked.</param>
internal readonly record struct LostAnswerDecision(LostAnswerVerdict Verdict, string Why, DateTimeOffset? NotBefore = null, bool? TokenActive = null);

/// <summary>
/// "In doubt means in doubt" (DESIGN.md contract 6): a refresh token whose answer was lost is sent again only when that cannot
/// be its second use at a provider that punishes one — the provider is known not to rotate, or the retry comes well inside the
/// grace window in which the old token still works, or the provider's introspection says the token is still active (asked only
/// once the first request can no longer be in progress). Otherwise nothing is sent and the connection needs a person.
/// </summary>
internal static class LostAnswerPolicy
{
    /// <param name="profile">The connection's provider profile (rotation overrides applied).</param>
    /// <param name="canIntrospect">Whether the connection has an introspection endpoint and authenticates its client.</param>
    /// <param name="firstSent">When the refresh token was first sent: a grace window counts from then.</param>
    /// <param name="inFlightUntil">Until when the latest request with it may still be at the provider (its send plus the sender's
    /// request window): introspection is asked only after that.</param>
    /// <param name="now">Now.</param>
    public static LostAnswerDecision Decide(ProviderProfile profile, bool canIntrospect, DateTimeOffset firstSent, DateTimeOffset inFlightUntil, DateTimeOffset now)
    {
        if (profile.Rotation == RefreshTokenRotation.None)
        {
            return new(LostAnswerVerdict.Resend, $"the {profile.Name} profile says the provider does not rotate refresh tokens");
        }

        var grace = profile.Rotation != RefreshTokenRotation.Unknown && profile.RotationGrace > TimeSpan.Zero ? profile.RotationGrace : TimeSpan.Zero;
        if (grace > TimeSpan.Zero && now - firstSent < grace * RefreshConstants.InDoubtGraceUsableShare)
        {
            return new(LostAnswerVerdict.Resend, $"inside the provider's {Describe(grace)} grace window for the old refresh token");
        }

        if (canIntrospect)
        {
            // Inside a grace window a rotated token still introspects as active: only after it does "active" mean "never spent".
            var askAt = grace > TimeSpan.Zero && firstSent + grace > inFlightUntil ? firstSent + grace : inFlightUntil;
            return now < askAt
                ? new(LostAnswerVerdict.WaitToIntrospect, grace > TimeSpan.Zero && askAt == firstSent + grace
                    ? "the provider's introspection will be asked once its grace window for the old refresh token has passed"
                    : "the provider's introspection will be asked once the last request can no longer be in progress", askAt)
                : new(LostAnswerVerdict.Introspect, "asking the provider's introspection whether the refresh token sent is still active");
        }

        return new(
            LostAnswerVerdict.GiveUp,
            grace > TimeSpan.Zero
                ? $"the provider's {Describe(grace)} grace window for the old refresh token has passed and the connection has no introspection endpoint"
                : "the provider may rotate refresh tokens, allows no grace for the old one, and the connection has no introspection endpoint to ask");
    }

    private static string Describe(TimeSpan span) =>
        span.TotalMinutes < 2 ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.#}-second")
        : span.TotalHours < 2 ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalMinutes:0.#}-minute")
        : string.Create(CultureInfo.InvariantCulture, $"{span.TotalHours:0.#}-hour");
}
