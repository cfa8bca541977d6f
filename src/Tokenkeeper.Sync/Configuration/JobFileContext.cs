namespace Tokenkeeper.Sync.Configuration;

/// <summary>What every part of a job file is read with: the file's name for messages, its directory for relative paths,
/// and the environment for <c>${env:NAME}</c>.</summary>
internal sealed record JobFileContext(string FileName, string Directory, Func<string, string?> Environment)
{
    /// <summary>A configuration error naming the file and the JSON path.</summary>
    public TokenkeeperConfigurationException Error(string path, string problem) => new($"{FileName}: {path}: {problem}");
}
