namespace Tokenkeeper.Cli.Demo;

/// <summary>Where the demo keeps its store and key: a folder of the user's own by default (not one shared by every user of the
/// machine), and a store in it is replaced on each run only when a demo created it.</summary>
internal static class DemoFolder
{
    /// <summary>The file that says "a demo made this store": a store without it is somebody's data and is never deleted.</summary>
    internal const string MarkerFileName = ".created-by-tokenkeeper-demo";

    /// <summary>The user's local application data folder (<c>~/.local/share/tokenkeeper/demo</c> on Linux), or, without a home, a
    /// folder in the temp folder named for the user.</summary>
    public static string Default()
    {
        var local = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        return string.IsNullOrEmpty(local)
            ? Path.Combine(Path.GetTempPath(), $"{CliConstants.DemoDirectoryName}-{Environment.UserName}")
            : Path.Combine(local, "tokenkeeper", "demo");
    }

    /// <summary>Creates the folder and removes the store a previous demo run left, so each run starts afresh; a store the demo did
    /// not create stops the run instead.</summary>
    /// <exception cref="TokenkeeperConfigurationException">The folder holds a store without the demo's marker.</exception>
    public static void ClearPreviousRun(string directory, string storePath)
    {
        Directory.CreateDirectory(directory);
        var marker = Path.Combine(directory, MarkerFileName);
        if (File.Exists(storePath) && !File.Exists(marker))
        {
            throw new TokenkeeperConfigurationException(
                $"{storePath} is a store the demo did not create, so the demo will not replace it. Run the demo with --dir pointing at another folder.");
        }

        foreach (var stale in new[] { storePath, storePath + "-wal", storePath + "-shm" })
        {
            File.Delete(stale);
        }

        File.WriteAllText(marker, "The tokenkeeper demo created the store in this folder and replaces it on every run.\n");
    }
}
