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

    public static void Fail(string message)
    {
        var error = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        error.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
    }
}
