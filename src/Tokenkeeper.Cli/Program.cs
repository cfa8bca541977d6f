using System.CommandLine;
using System.CommandLine.Help;
using Tokenkeeper.Cli;
using Tokenkeeper.Cli.Commands;
using Tokenkeeper.Cli.Infrastructure;

// `simulate` hands every argument to the simulator untouched, --help included.
if (args.Length > 0 && args[0] == SimulateCommand.Name)
{
    using var stop = ConsoleCancellation.Create();
    return await SimulateCommand.RunAsync(args[1..], stop.Token);
}

// A plain command named like the installed tool rather than RootCommand, whose name is the entry assembly's
// ("Tokenkeeper.Cli" under `dotnet run`): usage lines then read `tokenkeeper sync [options]` however it was started.
// Signals are ours, not System.CommandLine's: it would end the process two seconds after Ctrl+C, a refresh in flight or not.
using var signals = new TerminationSignals(Console.Error);
var root = new Command(CliConstants.ToolName, "Tokenkeeper: OAuth 2.0 connections that stay alive for long-running integration jobs.")
{
    new HelpOption(),
    new VersionOption(),
};
foreach (var command in CliCommands.All(signals.Urgent))
{
    root.Subcommands.Add(command);
}

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    // Bad or missing flags are a configuration error (exit 2), as every command's contract says.
    foreach (var error in parsed.Errors)
    {
        await Console.Error.WriteLineAsync($"tokenkeeper: {error.Message}");
    }

    await Console.Error.WriteLineAsync("Run 'tokenkeeper --help' (or 'tokenkeeper <command> --help') for the usage.");
    return ExitCodes.Configuration;
}

ConsoleSetup.Configure();

var exitCode = await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, signals.Token);
return signals.ExitCode ?? exitCode;
