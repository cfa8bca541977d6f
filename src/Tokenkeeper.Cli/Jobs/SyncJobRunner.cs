using Microsoft.Extensions.Logging.Abstractions;
using Tokenkeeper.Cli.Progress;
using Tokenkeeper.Cli.Reports;
using Tokenkeeper.Diagnostics;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;
using Tokenkeeper.Sqlite;
using Tokenkeeper.Sync;

namespace Tokenkeeper.Cli.Jobs;

/// <summary>
/// Runs a job file's sync: opens the store, registers the connections (saying once what that did), reads and writes
/// through HTTP clients that carry the Tokenkeeper handler, shows progress, and returns the result and its report.
/// Shared by <c>tokenkeeper sync</c> and <c>tokenkeeper demo</c>.
/// </summary>
internal sealed class SyncJobRunner(CliOutput output)
{
    /// <exception cref="TokenkeeperConfigurationException">The store, its key, or the stored checkpoint does not fit.</exception>
    public async Task<SyncRunOutcome> RunAsync(JobFile file, SyncRunSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(settings);
        var loggers = settings.LoggerFactory ?? NullLoggerFactory.Instance;
        using var store = new SqliteTokenStore(new SqliteTokenStoreOptions { Path = file.StorePath, KeyFile = file.KeyFile, Protector = settings.Protector }, settings.Time);
        using var metrics = new TokenkeeperMetrics();
        using var tokenHttp = new HttpClient(TokenEndpointClient.CreateDefaultHandler());
        await using var manager = new TokenManager(store, new TokenEndpointClient(tokenHttp, settings.Time), settings.ManagerOptions, settings.Time, loggers, metrics);
        foreach (var connection in file.Connections)
        {
            var outcome = await manager.RegisterAsync(connection, cancellationToken).ConfigureAwait(false);
            if (RegistrationNotices.For(connection, outcome, file) is { } notice)
            {
                output.Say(notice, settings.Json);
            }
        }

        var job = file.Job;
        using var source = SyncHttpClients.Create(manager, job.Source.ConnectionId, settings.HandlerOptions);
        using var destination = SyncHttpClients.Create(manager, job.Destination.ConnectionId, settings.HandlerOptions);
        var engine = new SyncEngine(job, source, destination, store, settings.SyncOptions, settings.Time, loggers.CreateLogger("Tokenkeeper.Sync"));
        var started = settings.Time.GetTimestamp();
        var run = engine.RunAsync(settings.Restart, cancellationToken);
        var view = settings.ProgressView ?? (settings.Json ? new SilentProgressView() : output.Interactive ? new LiveProgressView(output.Console, settings.Time) : new PlainProgressView(output.Out, settings.Time));
        await view.ShowAsync(() => ProgressSnapshot.Of(engine, metrics, settings.Time.GetElapsedTime(started)), run).ConfigureAwait(false);
        var result = await run.ConfigureAwait(false);
        return new SyncRunOutcome(result, SyncReport.From(result, metrics), SyncExitCodes.For(result));
    }
}
