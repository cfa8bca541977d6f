using Tokenkeeper.Storage;

namespace Tokenkeeper.Broker.Keys;

/// <summary>The key a request was made with, once it is known to be valid.</summary>
/// <param name="Record">The stored key.</param>
internal sealed record CallerKey(ApiKeyRecord Record)
{
    /// <summary>The key's name (what the audit records).</summary>
    public string Name => Record.Name;

    /// <summary>Whether it is an admin key.</summary>
    public bool IsAdmin => Record.Role == ApiKeyRoles.Admin;

    /// <summary>Whether it may see <paramref name="connectionId"/>: an admin sees all, a reader what its patterns match.</summary>
    public bool MaySee(string connectionId) => IsAdmin || ConnectionPatterns.Allows(Record.Connections, connectionId);
}
