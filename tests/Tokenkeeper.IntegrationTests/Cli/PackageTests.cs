using System.Diagnostics;
using System.IO.Compression;
using Tokenkeeper.IntegrationTests.Support;

namespace Tokenkeeper.IntegrationTests.Cli;

/// <summary>The packed <c>tokenkeeper</c> tool carries the README (issue 13, item 7), so a feed or <c>dotnet tool</c> user sees
/// the front door.</summary>
public sealed class PackageTests : IDisposable
{
    private readonly string _output = Directory.CreateTempSubdirectory("tk-pack-").FullName;

    public void Dispose() => Directory.Delete(_output, recursive: true);

    [Fact]
    public async Task The_packed_tool_carries_the_readme_and_declares_it()
    {
        // Pack what the tests were built from (same configuration), without building again.
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoPaths.Root };
        foreach (var argument in new[] { "pack", "src/Tokenkeeper.Cli", "-c", configuration, "--no-build", "-o", _output })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(process.ExitCode == 0, await output + await errors);

        using var package = ZipFile.OpenRead(Assert.Single(Directory.GetFiles(_output, "*.nupkg")));
        var readme = package.GetEntry("README.md");
        Assert.NotNull(readme);
        using (var reader = new StreamReader(readme.Open()))
        {
            Assert.Equal(await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "README.md")), await reader.ReadToEndAsync());
        }

        var nuspec = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using var nuspecReader = new StreamReader(nuspec.Open());
        Assert.Contains("<readme>README.md</readme>", await nuspecReader.ReadToEndAsync(), StringComparison.Ordinal);
    }
}
