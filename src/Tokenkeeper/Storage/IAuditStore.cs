namespace Tokenkeeper.Storage;

/// <summary>Where the token service records every token read (<see cref="AuditEntry"/>). Implemented by the stores.</summary>
public interface IAuditStore
{
    /// <summary>Appends entries, in one transaction.</summary>
    ValueTask AppendAuditAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken = default);

    /// <summary>Reads entries matching <paramref name="query"/>, oldest first (the newest <see cref="AuditQuery.Max"/>).</summary>
    ValueTask<IReadOnlyList<AuditEntry>> ReadAuditAsync(AuditQuery query, CancellationToken cancellationToken = default);

    /// <summary>Deletes entries older than <paramref name="before"/>; returns how many.</summary>
    ValueTask<int> PruneAuditAsync(DateTimeOffset before, CancellationToken cancellationToken = default);
}
