using System.CommandLine;
using Tokenkeeper.Cli.Jobs;
using Tokenkeeper.Cli.Reports;
using Tokenkeeper.Sync;
using Tokenkeeper.Sync.Configuration;
using Tokenkeeper.Cli.Infrastructure;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Cli.Commands;

/// <summary><c>tokenkeeper sync --config job.json [--restart] [--json]</c>: runs a job file's resumable batch sync.</summary>
internal static class SyncCommand
{
    public const string Name = "sync";

    /// <param name="stopNow">The second signal: abandon the batch in flight (the first finishes it, then stops).</param>
    public static Command Create(CancellationToken stopNow)
    {
        var config = new Option<string>("--config", "-c") { Description = "The job file (JSON; see docs/job-file.md).", Required = true, HelpName = "job.json" };
        var restart = new Option<bool>("--restart") { Description = "Start a new generation from the beginning instead of resuming after the last checkpoint." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object at the end (and nothing else on stdout)." };
        var logLevel = new Option<string>("--log-level") { Description = "Log to stderr at this level.", DefaultValueFactory = _ => "none", HelpName = "level" };
        logLevel.AcceptOnlyFromAmong(CliLogging.Levels);
        var otlp = TelemetryExport.CreateOption();
        var command = new Command(Name, "Run a resumable batch sync from a job file: read pages, write batches with idempotency keys, checkpoint after each.")
        {
            config, restart, json, logLevel, otlp,
        };
        command.SetAction((result, cancellationToken) => RunAsync(
            result.GetValue(config)!,
            new SyncRunSettings { Restart = result.GetValue(restart), Json = result.GetValue(json), StopNow = stopNow, OtlpEndpoint = result.GetValue(otlp) },
            result.GetValue(logLevel)!,
            CliOutput.FromProcess(),
            cancellationToken));
        return command;
    }

    /// <summary>Runs the job file at <paramref name="path"/> and returns the exit code (see <see cref="ExitCodes"/>).</summary>
    public static async Task<int> RunAsync(string path, SyncRunSettings settings, string logLevel, CliOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(output);
        using var loggers = CliLogging.Create(logLevel);
        try
        {
            // Disposed after the run and its report: a short sync still sends its spans and metrics before the process exits.
            using var telemetry = TelemetryExport.Start(settings.OtlpEndpoint, Name);
            var file = JobFileReader.Load(path, settings.Environment);
            var outcome = await new SyncJobRunner(output).RunAsync(file, settings with { LoggerFactory = settings.LoggerFactory ?? loggers }, cancellationToken).ConfigureAwait(false);
            SyncReportPrinter.Print(output, outcome, file, settings.Json, $"tokenkeeper sync --config {path}");
            return outcome.ExitCode;
        }
        catch (TokenkeeperConfigurationException ex)
        {
            await output.Error.WriteLineAsync($"tokenkeeper sync: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Configuration;
        }
        catch (SecretProtectionException ex)
        {
            await output.Error.WriteLineAsync($"tokenkeeper sync: {KeyAdvice.Explain(ex)}").ConfigureAwait(false);
            return ExitCodes.Configuration;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await output.Error.WriteLineAsync($"tokenkeeper sync: unexpected error ({ex.GetType().Name}): {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Error;
        }
    }
}
