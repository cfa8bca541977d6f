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
    public ValueTask SaveKeptAsync(KeptTokens kept, bool durable = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(kept);
        var json = ConnectionRecordSerializer.SerializeKept(kept, _protector);
        if (!Directory.Exists(KeptDirectory))
        {
            var directory = Directory.CreateDirectory(KeptDirectory);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(directory.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        var target = KeptFile(kept.ConnectionId);
        var temporary = target + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            // A kilobyte, written synchronously: cheaper than the thread-pool round trips of asynchronous file I/O.
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(Encoding.UTF8.GetBytes(json));
                stream.Flush(flushToDisk: durable);
            }

            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<KeptTokens?> GetKeptAsync(string connectionId, CancellationToken cancellationToken = default) => ValueTask.FromResult(GetKept(connectionId));

    private KeptTokens? GetKept(string connectionId)
    {
        var file = KeptFile(connectionId);
        if (!File.Exists(file))
        {
            return null; // the usual case, asked before every refresh: one stat, no exception
        }

        string json;
        try
        {
            json = File.ReadAllText(file);
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
    public ValueTask RemoveKeptAsync(string connectionId, int spentGeneration, CancellationToken cancellationToken = default)
    {
        var file = KeptFile(connectionId);
        string json;
        try
        {
            json = File.ReadAllText(file);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return ValueTask.CompletedTask;
        }

        // Only the generation is needed (no decryption): newer kept tokens, for a later generation, stay.
        if (ConnectionRecordSerializer.KeptGeneration(json) == spentGeneration)
        {
            File.Delete(file);
        }

        return ValueTask.CompletedTask;
    }

    private string KeptFile(string connectionId) =>
        System.IO.Path.Combine(KeptDirectory, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(connectionId)))[..32] + ".json");
}
