using Spectre.Console;

namespace Tokenkeeper.Cli.Infrastructure;

/// <summary>Turns what goes wrong in a command into a clear message on stderr and the right exit code.</summary>
internal static class CommandErrors
{
    public static async Task<int> RunAsync(Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (Exception ex) when (StoreOptions.Explain(ex) is { } message)
        {
            Fail(message);
            return ExitCodes.Configuration;
        }
        catch (CommandFailedException ex)
        {
            Fail(ex.Message);
            return ex.ExitCode;
        }
        catch (ConnectionMisconfiguredException ex)
        {
            Fail(ex.Message);
            return ExitCodes.Configuration;
        }
        catch (ReconnectRequiredException ex)
        {
            Fail(ex.Message);
            return ExitCodes.ReconnectRequired;
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Error;
        }
    }

    /// <summary>Writes <c>error: message</c> to stderr: in red on a terminal, plain text when stderr is a file or a pipe or
    /// <c>NO_COLOR</c> is set, so logs never hold escape codes.</summary>
    public static void Fail(string message)
    {
        if (!UsesColour(Console.IsErrorRedirected, Environment.GetEnvironmentVariable(ConsoleSetup.NoColorVariable)))
        {
            Console.Error.WriteLine($"error: {message}");
            return;
        }

        var error = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        error.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
    }

    /// <summary>Whether an error message may be coloured: only when stderr is a terminal and <c>NO_COLOR</c> is unset or empty.</summary>
    internal static bool UsesColour(bool errorRedirected, string? noColor) => !ConsoleSetup.Plain(errorRedirected, noColor);
}
