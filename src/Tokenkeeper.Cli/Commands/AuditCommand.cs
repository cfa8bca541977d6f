using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Tokenkeeper.Cli.Infrastructure;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Cli.Commands;

/// <summary><c>tokenkeeper audit --store S [--connection ID] [--key NAME] [--since TIME] [--json]</c>: the token reads the
/// service recorded, newest last (fingerprints only).</summary>
internal static class AuditCommand
{
    /// <summary>The most entries printed: 1,000 (the newest).</summary>
    public const int MaxEntries = 1000;

    public static Command Create()
    {
        var store = new StoreOptions();
        var connection = new Option<string?>("--connection") { Description = "Only this connection." };
        var key = new Option<string?>("--key") { Description = "Only this key (by name)." };
        var since = new Option<string?>("--since") { Description = "Only entries at or after this time (RFC 3339, e.g. 2026-12-08T00:00:00Z)." };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new Command("audit", "Show the token reads the token service recorded: when, which key, which connection, what came of it.") { connection, key, since, json };
        store.AddTo(command);
        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(async () =>
        {
            DateTimeOffset? from = null;
            if (parse.GetValue(since) is { } text)
            {
                from = DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
                    ? parsed
                    : throw new TokenkeeperConfigurationException($"--since '{text}' is not a time like 2026-12-08T00:00:00Z.");
            }

            using var opened = store.OpenExisting(parse);
            var entries = await opened.ReadAuditAsync(new AuditQuery(parse.GetValue(connection), parse.GetValue(key), from, MaxEntries), cancellationToken);
            if (parse.GetValue(json))
            {
                CliJson.Write(new { entries = entries.Select(e => new { at = e.At.UtcDateTime, key = e.KeyName, connection_id = e.ConnectionId, outcome = e.Outcome, fingerprint = e.Fingerprint, client_address = e.ClientAddress }) });
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("when", "key", "connection", "outcome", "token", "from");
            foreach (var e in entries)
            {
                table.AddRow(Humanize.Stamp(e.At), Markup.Escape(e.KeyName), Markup.Escape(e.ConnectionId), Markup.Escape(e.Outcome), e.Fingerprint ?? "-", Markup.Escape(e.ClientAddress ?? "-"));
            }

            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
