namespace Tokenkeeper.Sync;

/// <summary>Why a sync stopped: a message for a person, and the connection and reason when one needs attention.</summary>
/// <param name="Kind">The kind of failure.</param>
/// <param name="Message">What happened, naming the URL, batch or job-file field involved. Never holds a token.</param>
/// <param name="ConnectionId">The connection involved, when the failure is about one.</param>
/// <param name="Reason">The connection's state reason (<c>revoked</c>, <c>refresh_token_expired</c>, …) for
/// <see cref="SyncFailureKind.ReconnectRequired"/>; <c>invalid_client</c> or <c>configuration_error</c> for
/// <see cref="SyncFailureKind.Misconfigured"/>.</param>
public sealed record SyncFailure(SyncFailureKind Kind, string Message, string? ConnectionId = null, string? Reason = null);
