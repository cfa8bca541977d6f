using Spectre.Console;

namespace Tokenkeeper.Cli.Infrastructure;

/// <summary>Where a command writes: a Spectre console for people, raw stdout for <c>--json</c>, stderr for problems.</summary>
/// <param name="Console">Tables, panels and the live progress bar.</param>
/// <param name="Out">Standard output, for the JSON object and plain progress lines.</param>
/// <param name="Error">Standard error.</param>
/// <param name="Interactive">Whether a person is watching a terminal (live bar) or the output goes to a file or pipe (plain lines).</param>
internal sealed record CliOutput(IAnsiConsole Console, TextWriter Out, TextWriter Error, bool Interactive)
{
    /// <summary>The process's console. When stdout is redirected, the console writes plain text (no colours, no cursor
    /// movement) at a fixed width, so logs and files stay readable.</summary>
    public static CliOutput FromProcess()
    {
        if (!System.Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive)
        {
            return new CliOutput(AnsiConsole.Console, System.Console.Out, System.Console.Error, Interactive: true);
        }

        return new CliOutput(ConsoleSetup.PlainConsole(System.Console.Out), System.Console.Out, System.Console.Error, Interactive: false);
    }

    /// <summary>Writes a line of plain text for a person (to stdout, or to stderr when stdout is reserved for JSON).</summary>
    public void Say(string text, bool json)
    {
        if (json)
        {
            Error.WriteLine(text);
        }
        else if (Interactive)
        {
            Console.WriteLine(text);
        }
        else
        {
            Out.WriteLine(text);
        }
    }
}
