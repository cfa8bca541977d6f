using System.Globalization;
using System.Text.Json;

namespace Tokenkeeper.Simulator;

/// <summary>
/// Reads a <c>--config</c> JSON file: <c>{"clients":[…],"users":[…],"test_user":"…","issuer":"…","dials":{…}}</c>
/// (every member optional; schema in docs/simulator.md). Clients are added to the default one (a client with the
/// same id replaces it). Anything wrong — a missing file, bad JSON, an unknown member, a bad key — is a
/// <see cref="SimulatorUsageException"/> naming the file and the place.
/// </summary>
internal static class ConfigFile
{
    private static readonly HashSet<string> TopLevel = ["clients", "users", "test_user", "issuer", "dials"];
    private static readonly HashSet<string> ClientMembers =
        ["client_id", "client_secret", "public_key_pem", "public_key_pem_file", "redirect_uris", "scopes", "grant_types"];

    public static void Apply(string path, SimulatorOptions options)
    {
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }).RootElement;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw Fail(path, e is JsonException ? "is not valid JSON: " + e.Message : "cannot be read: " + e.Message, e);
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Fail(path, "must hold a JSON object");
        }

        foreach (var member in root.EnumerateObject())
        {
            if (!TopLevel.Contains(member.Name))
            {
                throw Fail(path, $"unknown member '{member.Name}'; allowed: {string.Join(", ", TopLevel)}");
            }
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        if (root.TryGetProperty("clients", out var clients))
        {
            ApplyClients(path, directory, clients, options);
        }

        if (root.TryGetProperty("users", out var users))
        {
            options.Users = [.. options.Users, .. Strings(path, "users", users)];
        }

        options.TestUser = OptionalString(path, root, "test_user") ?? options.TestUser;
        options.Issuer = OptionalString(path, root, "issuer") ?? options.Issuer;
        if (root.TryGetProperty("dials", out var dials) && DialsJson.Apply(dials, options, validate: false) is { } problem)
        {
            throw Fail(path, "dials: " + problem);
        }

        try
        {
            OptionsValidator.ValidateClients(options);
        }
        catch (ArgumentException e)
        {
            throw Fail(path, e.Message, e);
        }
    }

    private static void ApplyClients(string path, string directory, JsonElement clients, SimulatorOptions options)
    {
        if (clients.ValueKind != JsonValueKind.Array)
        {
            throw Fail(path, "clients must be an array");
        }

        var index = 0;
        foreach (var element in clients.EnumerateArray())
        {
            var where = string.Create(CultureInfo.InvariantCulture, $"clients[{index++}]");
            var client = ReadClient(path, directory, where, element);
            var existing = options.Clients.ToList().FindIndex(c => c.ClientId == client.ClientId);
            if (existing >= 0)
            {
                options.Clients[existing] = client;
            }
            else
            {
                options.Clients.Add(client);
            }
        }
    }

    private static SimulatorClient ReadClient(string path, string directory, string where, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Fail(path, where + " must be an object");
        }

        foreach (var member in element.EnumerateObject())
        {
            if (!ClientMembers.Contains(member.Name))
            {
                throw Fail(path, $"{where}: unknown member '{member.Name}'; allowed: {string.Join(", ", ClientMembers)}");
            }
        }

        var client = new SimulatorClient
        {
            ClientId = OptionalString(path, element, "client_id", where) ?? throw Fail(path, where + ": client_id is required"),
            ClientSecret = OptionalString(path, element, "client_secret", where),
            PublicKeyPem = OptionalString(path, element, "public_key_pem", where),
        };
        if (OptionalString(path, element, "public_key_pem_file", where) is { } keyFile)
        {
            try
            {
                client.PublicKeyPem = File.ReadAllText(Path.Combine(directory, keyFile));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Fail(path, $"{where}: public_key_pem_file '{keyFile}' cannot be read: {e.Message}", e);
            }
        }

        if (element.TryGetProperty("redirect_uris", out var uris))
        {
            client.RedirectUris = Strings(path, where + ".redirect_uris", uris);
        }

        client.Scopes = OptionalString(path, element, "scopes", where) ?? client.Scopes;
        if (element.TryGetProperty("grant_types", out var grantTypes))
        {
            client.GrantTypes = Strings(path, where + ".grant_types", grantTypes);
        }

        return client;
    }

    private static List<string> Strings(string path, string where, JsonElement element) =>
        element.ValueKind == JsonValueKind.Array && element.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String)
            ? [.. element.EnumerateArray().Select(e => e.GetString()!)]
            : throw Fail(path, where + " must be an array of strings");

    private static string? OptionalString(string path, JsonElement element, string name, string? where = null)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw Fail(path, $"{(where is null ? string.Empty : where + ".")}{name} must be a string");
    }

    private static SimulatorUsageException Fail(string path, string problem, Exception? inner = null) =>
        inner is null
            ? new SimulatorUsageException($"config file '{path}': {problem}")
            : new SimulatorUsageException($"config file '{path}': {problem}", inner);
}
