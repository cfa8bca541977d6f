using System.CommandLine;
using Tokenkeeper.Cli.Infrastructure;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Cli.Commands;

/// <summary>
/// <c>tokenkeeper connections remove ID --store S [--keep-grant]</c>: revokes the connection's refresh token at the provider
/// (RFC 7009) when the provider offers a revocation endpoint, then removes the connection and its secrets from the store. The
/// refresh lease is held while revoking, so no refresh of this process or another slips a new refresh token in between. A
/// provider that cannot be reached, or refuses the revocation, leaves the connection in place (nothing half-removed): exit 4
/// or 3; <c>--keep-grant</c> removes it without revoking. Exit 0 removed, 2 unknown connection.
/// </summary>
internal static class ConnectionsRemoveCommand
{
    private const string LeaseOwner = "tokenkeeper connections remove";

    public static Command Create()
    {
        var store = new StoreOptions();
        var id = new Argument<string>("id") { Description = "The connection to remove." };
        var keepGrant = new Option<bool>("--keep-grant") { Description = "Remove it from the store without revoking its grant at the provider." };
        var json = new Option<bool>("--json") { Description = "Print {\"id\",\"removed\",\"revoked\"}." };
        var command = new Command("remove", "Revoke a connection's grant at the provider, then remove it and its secrets from the store.") { id };
        store.AddTo(command);
        command.Options.Add(keepGrant);
        command.Options.Add(json);
        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(async () =>
        {
            var connectionId = parse.GetValue(id)!;
            using var opened = store.OpenExisting(parse);
            if (await opened.GetAsync(connectionId, cancellationToken) is null)
            {
                throw await ConnectionsCommand.UnknownConnectionAsync(opened, connectionId, cancellationToken);
            }

            using var http = new HttpClient(TokenEndpointClient.CreateDefaultHandler());
            await using var manager = new TokenManager(opened, new TokenEndpointClient(http));
            var lease = await opened.TryAcquireLeaseAsync(connectionId, LeaseOwner, CliConstants.RemoveLeaseDuration, cancellationToken)
                ?? throw new TokenkeeperConfigurationException($"Connection '{connectionId}' is being refreshed by another process right now; run the command again in a moment.");
            ConnectionRecord record;
            string revoked;
            try
            {
                record = (await opened.GetAsync(connectionId, cancellationToken))!;
                var refreshToken = record.Tokens?.RefreshToken;
                revoked = parse.GetValue(keepGrant) ? "kept (--keep-grant)"
                    : refreshToken is null ? "none to revoke"
                    : record.Registration.RevocationEndpoint is null ? "not revoked: the provider offers no revocation endpoint; the grant stays valid until it expires or is revoked at the provider"
                    : await RevokeAsync(manager, record, cancellationToken);
            }
            finally
            {
                await opened.ReleaseLeaseAsync(lease, CancellationToken.None);
            }

            if (!await opened.DeleteAsync(connectionId, record.Version, CancellationToken.None))
            {
                throw new CommandFailedException(ExitCodes.FailedAfterRetries, $"Connection '{connectionId}' changed while it was being removed (a refresh or an operator); nothing was removed. Run the command again.");
            }

            if (await opened.GetKeptAsync(connectionId, CancellationToken.None) is { } kept)
            {
                await opened.RemoveKeptAsync(connectionId, kept.SpentGeneration, CancellationToken.None);
            }

            if (parse.GetValue(json))
            {
                CliJson.Write(new { id = connectionId, removed = true, revoked = revoked.StartsWith("revoked", StringComparison.Ordinal), grant = revoked });
            }
            else
            {
                Console.WriteLine($"Connection '{connectionId}' removed with its secrets; its grant: {revoked}.");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static async Task<string> RevokeAsync(TokenManager manager, ConnectionRecord record, CancellationToken cancellationToken)
    {
        var id = record.ConnectionId;
        var failure = await manager.RevokeRefreshTokenAsync(record, cancellationToken);
        if (failure is null)
        {
            return $"revoked at {record.Registration.RevocationEndpoint!.GetLeftPart(UriPartial.Path)} (refresh token {record.Tokens!.RefreshToken!.Value.Fingerprint})";
        }

        var why = $"{failure.Error ?? failure.Kind.ToString()}: {failure.Description ?? failure.Message}";
        throw failure.IsRetryable
            ? new CommandFailedException(ExitCodes.FailedAfterRetries, $"Connection '{id}': the provider could not be reached to revoke its grant ({why}); the connection is left in place. Run the command again, or remove it without revoking: --keep-grant.")
            : new CommandFailedException(ExitCodes.ReconnectRequired, $"Connection '{id}': the provider refused to revoke its grant ({why}); the connection is left in place. Revoke it at the provider and remove it with --keep-grant.");
    }
}
