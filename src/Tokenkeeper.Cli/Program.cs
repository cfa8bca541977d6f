using System.CommandLine;
using Tokenkeeper.Cli;
using Tokenkeeper.Cli.Commands;

// `simulate` hands every argument to the simulator untouched, --help included.
if (args.Length > 0 && args[0] == SimulateCommand.Name)
{
    using var stop = ConsoleCancellation.Create();
    return await SimulateCommand.RunAsync(args[1..], stop.Token);
}

var root = new RootCommand("Tokenkeeper: OAuth 2.0 connections that stay alive for long-running integration jobs.");
foreach (var command in CliCommands.All())
{
    root.Subcommands.Add(command);
}

return await root.Parse(args).InvokeAsync();
