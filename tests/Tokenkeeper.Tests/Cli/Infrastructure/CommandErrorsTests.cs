using Tokenkeeper.Cli.Infrastructure;

namespace Tokenkeeper.Tests.Cli.Infrastructure;

public sealed class CommandErrorsTests
{
    [Theory]
    [InlineData(false, null, true)]
    [InlineData(false, "", true)]
    [InlineData(false, "1", false)]
    [InlineData(false, "0", false)]
    [InlineData(true, null, false)]
    [InlineData(true, "1", false)]
    public void Errors_AreColouredOnlyOnATerminal_AndNeverWhenNoColorIsSet(bool errorRedirected, string? noColor, bool coloured) =>
        Assert.Equal(coloured, CommandErrors.UsesColour(errorRedirected, noColor));
}
