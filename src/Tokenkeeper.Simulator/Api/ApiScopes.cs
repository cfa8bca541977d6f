namespace Tokenkeeper.Simulator;

/// <summary>The scopes the resource API checks.</summary>
internal static class ApiScopes
{
    /// <summary>Needed by <c>GET /api/contacts</c>.</summary>
    public const string Read = "contacts:read";

    /// <summary>Needed by <c>POST /api/contacts/batch</c>.</summary>
    public const string Write = "contacts:write";
}
