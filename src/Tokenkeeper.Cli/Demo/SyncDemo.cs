using Spectre.Console;
using Tokenkeeper.Cli.Jobs;
using Tokenkeeper.Cli.Reports;
using Tokenkeeper.Simulator;
using Tokenkeeper.Storage;
using Tokenkeeper.Sync;
using Tokenkeeper.Cli.Infrastructure;

namespace Tokenkeeper.Cli.Demo;

/// <summary>
/// The one-command demo: the simulator in-process on a free loopback port, playing a hostile provider, and the first user
/// story's sync run against it on the embedded SQLite store, with the same code path as <c>tokenkeeper sync</c>. It exits
/// 0 only if every contact arrived exactly once.
/// </summary>
internal static class SyncDemo
{
    private const string KeyFileName = "demo.key";
    private const string StoreFileName = "demo.db";

    public static async Task<int> RunAsync(DemoSettings settings, CliOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(output);
        using var loggers = CliLogging.Create(settings.LogLevel);
        var directory = Path.GetFullPath(settings.Directory ?? DemoFolder.Default());
        var storePath = Path.Combine(directory, StoreFileName);
        DemoFolder.ClearPreviousRun(directory, storePath);
        var keyFile = Path.Combine(directory, KeyFileName);
        var (protector, created) = EncryptionKeys.LoadOrCreate(keyFile);
        using var _ = protector;

        if (!settings.Json && output.Interactive)
        {
            output.Console.Write(new Rule($"[bold]Tokenkeeper demo[/]: {settings.Contacts:N0} contacts from legacy-crm to zendesk, in batches of {CliConstants.DemoBatchSize}").LeftJustified());
        }

        output.Say(created
            ? $"Generated a local encryption key for the demo's token store at {keyFile} (demo only: real jobs set TOKENKEEPER_KEY or TOKENKEEPER_KEY_FILE)."
            : $"Token store {storePath}, encrypted with the key at {keyFile}.", settings.Json);

        await using var simulator = await SimulatorServer.StartAsync(DemoSimulator.Options(settings), loggerFactory: loggers, ct: cancellationToken).ConfigureAwait(false);
        output.Say(DemoSimulator.Describe(simulator, settings), settings.Json);
        var file = await DemoJob.CreateAsync(simulator, storePath).ConfigureAwait(false);
        var outcome = await new SyncJobRunner(output)
            .RunAsync(file, new SyncRunSettings { Json = settings.Json, Protector = protector, LoggerFactory = loggers, StopNow = settings.StopNow }, cancellationToken)
            .ConfigureAwait(false);

        var stats = simulator.GetStats();
        var exactlyOnce = outcome.Result.Status == SyncStatus.Completed
            && stats.ContactsStoredDistinct == settings.Contacts
            && stats.ContactsReceived == settings.Contacts;
        if (settings.Json)
        {
            var report = outcome.Report with { Simulator = SimulatorReport.From(stats) };
            await output.Out.WriteLineAsync(ReportJson.Serialize(report)).ConfigureAwait(false);
        }
        else
        {
            DemoReportPrinter.Print(output.Console, settings, outcome, stats, exactlyOnce);
        }

        foreach (var line in FailureAdvice.For(outcome.Result, file, "tokenkeeper demo", resumable: false))
        {
            await output.Error.WriteLineAsync(line).ConfigureAwait(false);
        }

        return exactlyOnce ? ExitCodes.Ok : outcome.ExitCode != ExitCodes.Ok ? outcome.ExitCode : ExitCodes.Error;
    }
}
