namespace Tokenkeeper.Broker.Keys;

/// <summary>What a key may do.</summary>
internal static class ApiKeyRoles
{
    /// <summary>Reads tokens of the connections its patterns match; nothing else.</summary>
    public const string Reader = "reader";

    /// <summary>Manages connections, keys and webhooks, and reads every token.</summary>
    public const string Admin = "admin";

    /// <summary>Whether <paramref name="role"/> is one of the roles.</summary>
    public static bool IsKnown(string? role) => role is Reader or Admin;
}
