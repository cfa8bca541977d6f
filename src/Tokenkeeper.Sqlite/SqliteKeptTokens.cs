using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Sqlite;

/// <summary>
/// The kept-tokens half of <see cref="SqliteTokenStore"/>: tokens the database would not take are written to
/// <c>{store}.kept/{hash of the connection id}.json</c>, encrypted with the store's key (bound to the connection and to fields of
/// their own), readable only by the owner, written to a temporary file (flushed to the disk when durable) and renamed into place, so
/// a crash leaves either the old file or the new one. The directory does not depend on the database being writable, so a locked or broken
/// database does not stop them being saved.
/// </summary>
public sealed partial class SqliteTokenStore : IKeptTokenStore
{
    /// <summary>The folder that holds kept tokens: the database's path with <c>.kept</c> appended.</summary>
    public string KeptDirectory => Path + ".kept";

    /// <inheritdoc />
    public async ValueTask SaveKeptAsync(KeptTokens kept, bool durable = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(kept);
        var json = ConnectionRecordSerializer.SerializeKept(kept, _protector);
        var directory = Directory.CreateDirectory(KeptDirectory);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var target = KeptFile(kept.ConnectionId);
        var temporary = target + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.Asynchronous };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            var stream = new FileStream(temporary, options);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(Encoding.UTF8.GetBytes(json), cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: durable);
            }

            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask<KeptTokens?> GetKeptAsync(string connectionId, CancellationToken cancellationToken = default)
    {
        var file = KeptFile(connectionId);
        string json;
        try
        {
            json = await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        try
        {
            var kept = ConnectionRecordSerializer.DeserializeKept(json, _protector);
            return kept.ConnectionId == connectionId ? kept : null;
        }
        catch (JsonException ex)
        {
            throw new TokenStoreException($"The kept tokens of connection '{connectionId}' in {file} are unreadable: {ex.Message}. They were written by a process that could not store a rotated refresh token; keep the file and report it.", ex);
        }
    }

    /// <inheritdoc />
    public async ValueTask RemoveKeptAsync(string connectionId, int spentGeneration, CancellationToken cancellationToken = default)
    {
        var file = KeptFile(connectionId);
        string json;
        try
        {
            json = await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return;
        }

        // Only the generation is needed (no decryption): newer kept tokens, for a later generation, stay.
        if (ConnectionRecordSerializer.KeptGeneration(json) == spentGeneration)
        {
            File.Delete(file);
        }
    }

    private string KeptFile(string connectionId) =>
        System.IO.Path.Combine(KeptDirectory, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(connectionId)))[..32] + ".json");
}
