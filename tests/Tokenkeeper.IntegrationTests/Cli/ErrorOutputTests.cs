using System.Diagnostics;
using Tokenkeeper.IntegrationTests.Support;

namespace Tokenkeeper.IntegrationTests.Cli;

/// <summary>An error written to a redirected stderr (a log file, a pipe, CI) is plain text, even from a terminal that
/// supports colours.</summary>
public sealed class ErrorOutputTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tk-errors-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task AnError_OnARedirectedStderr_HasNoEscapeCodes_EvenWhenTheTerminalSupportsColour()
    {
        var missing = Path.Combine(_directory, "missing.db");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(RepoPaths.Output("src/Tokenkeeper.Cli", "Tokenkeeper.Cli.dll"));
        foreach (var argument in new[] { "connections", "list", "--store", missing })
        {
            start.ArgumentList.Add(argument);
        }

        // A colour terminal as far as the environment can tell, and no NO_COLOR: only the redirection says "no colours".
        start.Environment.Remove("NO_COLOR");
        start.Environment["TERM"] = "xterm-256color";
        start.Environment["COLORTERM"] = "truecolor";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(2, process.ExitCode);
        Assert.Equal($"error: No store at '{missing}'.{Environment.NewLine}", await stderr);
        Assert.Equal("", await stdout);
    }
}
