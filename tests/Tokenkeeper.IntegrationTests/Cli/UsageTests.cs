using Tokenkeeper.IntegrationTests.Support;

namespace Tokenkeeper.IntegrationTests.Cli;

/// <summary>What a person sees when they ask the <c>tokenkeeper</c> command for help or get its usage wrong.</summary>
public sealed class UsageTests
{
    [Theory]
    [InlineData("sync", "tokenkeeper sync [options]")]
    [InlineData("connections list", "tokenkeeper connections list [options]")]
    [InlineData("lifecycle plan", "tokenkeeper lifecycle plan [options]")]
    public async Task Help_NamesTheCommandAsInstalled_NotTheAssembly(string command, string usage)
    {
        var (exitCode, output) = await CliProcess.RunAsync([.. command.Split(' '), "--help"]);

        Assert.Equal(0, exitCode);
        Assert.Contains(usage, output);
        Assert.DoesNotContain("Tokenkeeper.Cli", output);
    }

    [Fact]
    public async Task AnUnknownCommand_IsAConfigurationError_WithAPointerToHelp()
    {
        var (exitCode, output) = await CliProcess.RunAsync(["synk", "--config", "job.json"]);

        Assert.Equal(2, exitCode);
        Assert.Contains("'synk'", output);
        Assert.Contains("tokenkeeper --help", output);
    }
}
