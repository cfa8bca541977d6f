namespace Tokenkeeper.Storage;

/// <summary>
/// A token service key as a store keeps it: never the key itself, only its SHA-256 (hex), so a leaked store does not leak keys.
/// </summary>
/// <param name="Name">The key's name, unique in the store (what the audit records).</param>
/// <param name="Hash">SHA-256 of the key, lower-case hex.</param>
/// <param name="Role"><c>reader</c> (reads tokens of its connections) or <c>admin</c> (manages, and reads every token).</param>
/// <param name="Connections">The connections a reader may see: ids, or patterns with <c>*</c> (<c>crm-*</c>); <c>*</c> for all.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="RevokedAt">When it was revoked, if it was: a revoked key opens nothing.</param>
public sealed record ApiKeyRecord(string Name, string Hash, string Role, IReadOnlyList<string> Connections, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt = null);
