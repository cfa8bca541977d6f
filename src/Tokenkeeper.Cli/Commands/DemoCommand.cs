using System.CommandLine;
using Tokenkeeper.Cli.Demo;
using Tokenkeeper.Cli.Infrastructure;
using Tokenkeeper.Cli.Jobs;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Cli.Commands;

/// <summary><c>tokenkeeper demo [--contacts 50000] [--access-ttl 20s] [--fault-rate 0.02] [--json]</c>: the first user
/// story, end to end, against the simulator.</summary>
/// <remarks>Each demo is a set of options plus a runner; a new one (such as a lifecycle demo) adds its options in
/// <see cref="Create"/> and branches on them in <see cref="Run"/> before the sync demo.</remarks>
internal sealed class DemoCommand
{
    public const string Name = "demo";

    private readonly Option<int> Contacts = new("--contacts")
    {
        Description = "Contacts to transfer.",
        DefaultValueFactory = _ => CliConstants.DemoContacts,
        HelpName = "n",
    };

    private readonly Option<string> AccessTtl = new("--access-ttl")
    {
        Description = "Access-token lifetime at the simulated provider (500ms, 20s, 5m, …).",
        DefaultValueFactory = _ => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{(long)CliConstants.DemoAccessTtl.TotalSeconds}s"),
        HelpName = "duration",
    };

    private readonly Option<double> FaultRate = new("--fault-rate")
    {
        Description = "Share of token-endpoint and API requests that fail (503, 429, drop-after); half as many API calls have their token revoked.",
        DefaultValueFactory = _ => CliConstants.DemoFaultRate,
        HelpName = "0-1",
    };

    private readonly Option<bool> Json = new("--json") { Description = "Print one JSON object at the end (and nothing else on stdout)." };

    private readonly Option<string?> Dir = new("--dir") { Description = "Where to keep the demo's token store and key (default: a folder in the temp folder).", HelpName = "folder" };

    private readonly Option<string> LogLevel = new("--log-level") { Description = "Log to stderr at this level.", DefaultValueFactory = _ => "none", HelpName = "level" };

    private readonly Option<bool> Lifecycle = new("--lifecycle") { Description = "Instead: months of connection lifecycle on a fake clock (keep-alives, warnings, outages), with and without keep-alive." };

    private readonly Option<int> Days = new("--days")
    {
        Description = "With --lifecycle: how many days to simulate.",
        DefaultValueFactory = _ => CliConstants.LifecycleDemoDays,
        HelpName = "n",
    };

    private DemoCommand()
    {
        Contacts.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
            {
                result.AddError("--contacts must be at least 1.");
            }
        });
        AccessTtl.Validators.Add(result =>
        {
            if (!DurationArgument.TryParse(result.GetValueOrDefault<string>(), out _))
            {
                result.AddError("--access-ttl must be a whole number and a unit: 500ms, 20s, 5m, 1h.");
            }
        });
        FaultRate.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is < 0 or > 1 or double.NaN)
            {
                result.AddError("--fault-rate must be from 0 to 1.");
            }
        });
        LogLevel.AcceptOnlyFromAmong(CliLogging.Levels);
        Days.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > CliConstants.MaxLifecycleDemoDays)
            {
                result.AddError($"--days must be from 1 to {CliConstants.MaxLifecycleDemoDays}.");
            }
        });
    }

    /// <param name="stopNow">The second signal: abandon the batch in flight (the first finishes it, then stops).</param>
    public static Command Create(CancellationToken stopNow)
    {
        var options = new DemoCommand();
        var command = new Command(Name, "Run the first user story end to end: 50,000 contacts through a simulated provider with short, single-use tokens and injected faults.")
        {
            options.Contacts, options.AccessTtl, options.FaultRate, options.Json, options.Dir, options.LogLevel, options.Lifecycle, options.Days,
        };
        command.SetAction((result, cancellationToken) => options.Run(result, CliOutput.FromProcess(), cancellationToken, stopNow));
        return command;
    }

    private Task<int> Run(ParseResult result, CliOutput output, CancellationToken cancellationToken, CancellationToken stopNow)
    {
        if (result.GetValue(Lifecycle))
        {
            return CommandErrors.RunAsync(() => LifecycleDemo.RunAsync(result.GetValue(Days), result.GetValue(Json), cancellationToken));
        }

        DurationArgument.TryParse(result.GetValue(AccessTtl), out var accessTtl);
        var settings = new DemoSettings
        {
            Contacts = result.GetValue(Contacts),
            AccessTtl = accessTtl,
            FaultRate = result.GetValue(FaultRate),
            Json = result.GetValue(Json),
            Directory = result.GetValue(Dir),
            LogLevel = result.GetValue(LogLevel)!,
            StopNow = stopNow,
        };
        return RunAsync(settings, output, cancellationToken);
    }

    private static async Task<int> RunAsync(DemoSettings settings, CliOutput output, CancellationToken cancellationToken)
    {
        try
        {
            return await SyncDemo.RunAsync(settings, output, cancellationToken).ConfigureAwait(false);
        }
        catch (TokenkeeperConfigurationException ex)
        {
            await output.Error.WriteLineAsync($"tokenkeeper demo: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Configuration;
        }
        catch (SecretProtectionException ex)
        {
            await output.Error.WriteLineAsync($"tokenkeeper demo: {KeyAdvice.Explain(ex)}").ConfigureAwait(false);
            return ExitCodes.Configuration;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await output.Error.WriteLineAsync($"tokenkeeper demo: unexpected error ({ex.GetType().Name}): {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Error;
        }
    }
}
