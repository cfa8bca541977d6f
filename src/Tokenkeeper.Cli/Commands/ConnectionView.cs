using Tokenkeeper.Diagnostics;
using Tokenkeeper.Lifecycle;
using Tokenkeeper.Storage;
using Tokenkeeper.Events;

namespace Tokenkeeper.Cli.Commands;

/// <summary>What <c>connections list</c> shows of a connection (the <c>--json</c> shape). No token appears: fingerprints only.</summary>
internal sealed record ConnectionSummary(
    string Id,
    string Provider,
    string State,
    string Reason,
    DateTimeOffset? AccessTokenExpiresAt,
    long? AccessTokenExpiresInSeconds,
    DateTimeOffset? IdleDeadline,
    DateTimeOffset? AbsoluteDeadline,
    DateTimeOffset? LastRefresh,
    int ConsecutiveFailures,
    DateTimeOffset? NextKeepAlive,
    string? LastError,
    FailureCause? LastFailureCause)
{
    public static ConnectionSummary From(ConnectionRecord record, ConnectionPlan plan, DateTimeOffset now) => new(
        record.ConnectionId,
        record.Registration.Provider,
        record.Status.State.ToString(),
        record.Status.Reason,
        plan.AccessTokenExpiresAt,
        plan.AccessTokenExpiresAt is { } expires ? (long)(expires - now).TotalSeconds : null,
        plan.IdleDeadline,
        plan.AbsoluteDeadline,
        record.LastRefreshAt,
        record.ConsecutiveFailures,
        plan.NextKeepAliveAt,
        record.LastError,
        record.LastError is null ? null : ConnectionCause.Of(record));
}

/// <summary>What <c>connections show</c> adds: registration, fingerprints, history, plan and recent events.</summary>
internal sealed record ConnectionDetail(
    ConnectionSummary Connection,
    string TokenEndpoint,
    string ClientId,
    string Grant,
    string? Scope,
    string ClientSecret,
    string AccessToken,
    string RefreshToken,
    int RefreshTokenGeneration,
    DateTimeOffset? AuthorizedAt,
    RefreshIntent? PendingRefresh,
    DateTimeOffset? NextAttemptAt,
    IReadOnlyList<StateTransition> History,
    IReadOnlyList<PlannedWarning> UpcomingWarnings,
    IReadOnlyList<EventView> RecentEvents,
    KeptView? Kept)
{
    public static ConnectionDetail From(ConnectionRecord record, ConnectionPlan plan, IReadOnlyList<OutboxEntry> events, KeptTokens? kept, DateTimeOffset now) => new(
        ConnectionSummary.From(record, plan, now),
        record.Registration.TokenEndpoint.ToString(),
        record.Registration.ClientId,
        record.Registration.Grant.ToString(),
        record.Registration.Scope,
        record.Registration.ClientSecret?.Fingerprint ?? TokenFingerprint.None,
        record.Tokens is { AccessToken.IsEmpty: false } tokens ? tokens.AccessToken.Fingerprint : TokenFingerprint.None,
        record.Tokens?.RefreshToken?.Fingerprint ?? TokenFingerprint.None,
        record.RefreshTokenGeneration,
        record.AuthorizedAt,
        record.PendingRefresh,
        record.NextAttemptAt,
        record.History,
        plan.Warnings,
        [.. events.Select(EventView.From)],
        kept is null ? null : new KeptView(kept.KeptAt, kept.KeptBy, kept.Tokens.RefreshToken?.Fingerprint ?? TokenFingerprint.None, kept.SpentGeneration));
}

/// <summary>Tokens kept beside the store because it would not take them (a refresh token that may be the only live one): the next
/// run that opens the connection stores them before it refreshes anything.</summary>
internal sealed record KeptView(DateTimeOffset KeptAt, string KeptBy, string RefreshToken, int ReplacesGeneration);

/// <summary>An outbox event as the CLI shows it.</summary>
internal sealed record EventView(long Sequence, DateTimeOffset OccurredAt, string Type, string? State, FailureCause? Cause, string? Reason, string? Detail, IReadOnlyDictionary<string, string> Data, IReadOnlyList<DeliveryState> Deliveries)
{
    public static EventView From(OutboxEntry entry) =>
        new(entry.Sequence, entry.Event.OccurredAt, entry.Event.Type, entry.Event.State, entry.Event.Cause, entry.Event.Reason, entry.Event.Detail, entry.Event.Data ?? new Dictionary<string, string>(), entry.Deliveries);
}

/// <summary>The cause of a record's last failure: as recorded, else (records written before causes were) what its state's reason
/// stands for.</summary>
internal static class ConnectionCause
{
    public static FailureCause? Of(ConnectionRecord record) => record.LastFailureCause ?? FailureCauses.OfStateReason(record.Status.Reason);
}
