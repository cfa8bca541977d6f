using System.Collections.Frozen;

namespace Tokenkeeper.Simulator;

/// <summary>The registered clients and known users, fixed at start.</summary>
internal sealed class ClientRegistry
{
    private readonly FrozenDictionary<string, RegisteredClient> _clients;
    private readonly FrozenSet<string> _users;

    public ClientRegistry(SimulatorOptions options)
    {
        _clients = options.Clients.ToFrozenDictionary(c => c.ClientId, c => new RegisteredClient(c), StringComparer.Ordinal);
        _users = options.Users.Append(options.TestUser).ToFrozenSet(StringComparer.Ordinal);
        TestUser = options.TestUser;
        AllScopes = [.. _clients.Values.SelectMany(c => c.Scopes).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>Every scope any client may be granted, for the discovery document.</summary>
    public IReadOnlyList<string> AllScopes { get; }

    public string TestUser { get; }

    public RegisteredClient? Find(string? clientId) =>
        clientId is not null && _clients.TryGetValue(clientId, out var client) ? client : null;

    public bool IsKnownUser(string? user) => user is not null && _users.Contains(user);
}
