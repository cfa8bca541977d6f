namespace Tokenkeeper.Storage;

/// <summary>One token read through the token service, as the audit keeps it: who, which connection, what came of it. Never a
/// token: the fingerprint only.</summary>
/// <param name="At">When.</param>
/// <param name="KeyName">The key that asked.</param>
/// <param name="ConnectionId">The connection.</param>
/// <param name="Outcome"><c>issued</c>, or the error the caller got (<c>reconnect_required</c>, <c>temporarily_unavailable</c>, …).</param>
/// <param name="Fingerprint">The access token's fingerprint, when one was handed out.</param>
/// <param name="ClientAddress">The caller's address.</param>
public sealed record AuditEntry(DateTimeOffset At, string KeyName, string ConnectionId, string Outcome, string? Fingerprint, string? ClientAddress);

/// <summary>Which audit entries to read: all filters optional, newest last, at most <paramref name="Max"/>.</summary>
/// <param name="ConnectionId">Only this connection.</param>
/// <param name="KeyName">Only this key.</param>
/// <param name="Since">Only entries at or after this time.</param>
/// <param name="Max">The most entries returned (the newest).</param>
public sealed record AuditQuery(string? ConnectionId = null, string? KeyName = null, DateTimeOffset? Since = null, int Max = 1000);
