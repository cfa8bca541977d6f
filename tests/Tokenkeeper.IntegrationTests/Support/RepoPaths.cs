namespace Tokenkeeper.IntegrationTests.Support;

/// <summary>Finds other projects' build output next to this test assembly's (same configuration and framework).</summary>
internal static class RepoPaths
{
    /// <summary>The repository root (the folder holding Tokenkeeper.sln).</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The built assembly of a project, e.g. <c>Output("samples/QuickStart", "QuickStart.dll")</c>.</summary>
    public static string Output(string projectDirectory, string assembly)
    {
        // This assembly lives in tests/<project>/bin/<Configuration>/<tfm>/.
        var tfmDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = tfmDirectory.Parent!.Name;
        var path = Path.Combine(Root, projectDirectory, "bin", configuration, tfmDirectory.Name, assembly);
        Assert.True(File.Exists(path), $"{path} was not built");
        return path;
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Tokenkeeper.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Tokenkeeper.sln not found above " + AppContext.BaseDirectory);
    }
}
