using System.CommandLine;
using Spectre.Console;
using Tokenkeeper.Broker.Keys;
using Tokenkeeper.Cli.Infrastructure;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Cli.Commands;

/// <summary><c>tokenkeeper keys create|list|revoke</c>: the token service's keys. A key is printed once, at creation; the store
/// keeps only its SHA-256.</summary>
internal static class KeysCommand
{
    public static Command Create()
    {
        var command = new Command("keys", "Keys for the token service (tokenkeeper serve): create, list, revoke.");
        command.Subcommands.Add(CreateKey());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Revoke());
        return command;
    }

    private static Command CreateKey()
    {
        var store = new StoreOptions();
        var name = new Option<string>("--name") { Description = "A name for the key, unique in the store (the audit records it).", Required = true };
        var connections = new Option<string>("--connections") { Description = "The connections a reader key may use: ids or patterns with *, comma-separated (\"crm-*,zendesk\"; \"*\" for all).", DefaultValueFactory = _ => "*" };
        var role = new Option<string>("--role") { Description = "reader (reads tokens of its connections) or admin (manages, and reads every token).", DefaultValueFactory = _ => ApiKeyRoles.Reader };
        role.AcceptOnlyFromAmong(ApiKeyRoles.Reader, ApiKeyRoles.Admin);
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new Command("create", "Create a key and print it once (only its hash is stored).") { name, connections, role, json };
        store.AddTo(command);
        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(async () =>
        {
            using var opened = store.OpenOrCreate(parse);
            var key = ApiKeys.Generate();
            var record = new ApiKeyRecord(parse.GetValue(name)!, ApiKeys.Hash(key), parse.GetValue(role)!, ConnectionPatterns.Parse(parse.GetValue(connections)!), DateTimeOffset.UtcNow);
            if (!await opened.AddKeyAsync(record, cancellationToken))
            {
                throw new TokenkeeperConfigurationException($"The store already has a key named '{record.Name}' (names are never reused, even after a revocation). Choose another --name.");
            }

            if (parse.GetValue(json))
            {
                CliJson.Write(new { name = record.Name, role = record.Role, connections = record.Connections, key });
            }
            else
            {
                Console.Out.WriteLine(key);
                Console.Error.WriteLine($"Key '{record.Name}' ({record.Role}, connections {string.Join(",", record.Connections)}) created. It is shown only now: keep it in a secret store. Send it as Authorization: Bearer <key>.");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command List()
    {
        var store = new StoreOptions();
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new Command("list", "List the keys: name, role, connections, created, revoked (never the key).") { json };
        store.AddTo(command);
        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(async () =>
        {
            using var opened = store.OpenExisting(parse);
            var keys = await opened.ListKeysAsync(cancellationToken);
            if (parse.GetValue(json))
            {
                CliJson.Write(new { keys = keys.Select(k => new { name = k.Name, role = k.Role, connections = k.Connections, created_at = k.CreatedAt, revoked_at = k.RevokedAt }) });
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("name", "role", "connections", "created", "revoked");
            foreach (var k in keys)
            {
                table.AddRow(Markup.Escape(k.Name), k.Role, Markup.Escape(string.Join(",", k.Connections)), Humanize.Stamp(k.CreatedAt), k.RevokedAt is { } at ? Humanize.Stamp(at) : "-");
            }

            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Revoke()
    {
        var store = new StoreOptions();
        var name = new Argument<string>("name") { Description = "The key's name." };
        var command = new Command("revoke", "Revoke a key: every request with it is refused from now on.") { name };
        store.AddTo(command);
        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(async () =>
        {
            using var opened = store.OpenExisting(parse);
            var keyName = parse.GetValue(name)!;
            if (!await opened.RevokeKeyAsync(keyName, DateTimeOffset.UtcNow, cancellationToken))
            {
                var known = (await opened.ListKeysAsync(cancellationToken)).Where(k => k.RevokedAt is null).Select(k => k.Name).ToList();
                throw new TokenkeeperConfigurationException($"There is no unrevoked key named '{keyName}'. Unrevoked keys: {(known.Count == 0 ? "none" : string.Join(", ", known))}.");
            }

            Console.Out.WriteLine($"Key '{keyName}' revoked.");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
