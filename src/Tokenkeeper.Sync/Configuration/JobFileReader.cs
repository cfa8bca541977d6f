using System.Text.Json;
using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Sync.Configuration;

/// <summary>Reads a job file (docs/job-file.md). Every problem — invalid JSON, an unknown key, a missing field, a bad URL, a
/// connection that is not declared, an unset environment variable — is a <see cref="TokenkeeperConfigurationException"/>
/// naming the file and the JSON path.</summary>
public static class JobFileReader
{
    private static readonly JsonDocumentOptions Options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>Reads and checks the job file at <paramref name="path"/>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="environment">Looks up <c>${env:NAME}</c>; default <see cref="Environment.GetEnvironmentVariable(string)"/>.</param>
    /// <exception cref="TokenkeeperConfigurationException">The file is missing, unreadable or wrong; the message says where.</exception>
    public static JobFile Load(string path, Func<string, string?>? environment = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new TokenkeeperConfigurationException($"Cannot read the job file '{path}': {ex.Message}", ex);
        }

        var full = System.IO.Path.GetFullPath(path);
        return Parse(text, full, System.IO.Path.GetDirectoryName(full)!, environment);
    }

    /// <summary>Reads and checks job-file text.</summary>
    /// <param name="json">The file's content.</param>
    /// <param name="path">Its name, for messages.</param>
    /// <param name="directory">What relative paths in it are relative to.</param>
    /// <param name="environment">Looks up <c>${env:NAME}</c>; default <see cref="Environment.GetEnvironmentVariable(string)"/>.</param>
    /// <exception cref="TokenkeeperConfigurationException">The text is not a valid job file; the message says where.</exception>
    public static JobFile Parse(string json, string path, string directory, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        var context = new JobFileContext(System.IO.Path.GetFileName(path), directory, environment ?? Environment.GetEnvironmentVariable);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, Options);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $"line {line + 1}, column {(ex.BytePositionInLine ?? 0) + 1}" : "somewhere";
            var reason = ex.Message.Split(" LineNumber:", 2)[0].Trim();
            throw new TokenkeeperConfigurationException($"{context.FileName}: {where}: not valid JSON: {reason}", ex);
        }

        using (document)
        {
            var root = new JsonSection(document.RootElement, "$", context);
            root.AllowOnly("store", "keyFile", "tokenTimeout", "storeRetryWindow", "connections", "job");
            var origins = new Dictionary<string, string>(StringComparer.Ordinal);
            var secretOrigins = new Dictionary<string, string>(StringComparer.Ordinal);
            var connections = root.OptionalObject("connections") is { } declared
                ? ReadConnections(declared, origins, secretOrigins)
                : new Dictionary<string, ConnectionDefinition>(StringComparer.Ordinal);
            var stored = new Dictionary<string, string>(StringComparer.Ordinal);
            var job = JobSectionReader.Read(root.RequiredObject("job"), connections, stored);
            var keyFile = root.NonEmptyString("keyFile");
            return new JobFile
            {
                Path = path,
                StorePath = System.IO.Path.GetFullPath(StoreFile(root) ?? SyncConstants.DefaultStoreFileName, directory),
                KeyFile = keyFile is null ? null : System.IO.Path.GetFullPath(keyFile, directory),
                TokenTimeout = root.Duration("tokenTimeout"),
                StoreRetryWindow = root.Duration("storeRetryWindow"),
                Connections = [.. connections.Values],
                RefreshTokenOrigins = origins,
                ClientSecretOrigins = secretOrigins,
                StoredConnections = stored,
                Job = job,
            };
        }
    }

    /// <summary>The job file's <c>"store"</c>: a file path; a URL is refused before it could become one.</summary>
    private static string? StoreFile(JsonSection root)
    {
        var store = root.NonEmptyString("store");
        return store is not null && StoreAddress.SchemeOf(store) is { } scheme ? throw root.Error("store", StoreAddress.Refusal(scheme)) : store;
    }

    private static Dictionary<string, ConnectionDefinition> ReadConnections(JsonSection section, Dictionary<string, string> origins, Dictionary<string, string> secretOrigins)
    {
        var connections = new Dictionary<string, ConnectionDefinition>(StringComparer.Ordinal);
        foreach (var (name, value) in section.Members())
        {
            if (name.Length is 0 or > SyncConstants.MaxConnectionNameLength || name.Any(char.IsControl) || name.Trim() != name)
            {
                throw section.Error(name, $"a connection name must be 1 to {SyncConstants.MaxConnectionNameLength} characters without surrounding spaces");
            }

            var (definition, origin, secretOrigin) = ConnectionSectionReader.Read(name, section.Child(name, value));
            connections[name] = definition;
            if (origin is not null)
            {
                origins[name] = origin;
            }

            if (secretOrigin is not null)
            {
                secretOrigins[name] = secretOrigin;
            }
        }

        return connections;
    }
}
