using Microsoft.Extensions.Logging.Abstractions;
using Tokenkeeper.Cli.Progress;
using Tokenkeeper.Cli.Reports;
using Tokenkeeper.Diagnostics;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;
using Tokenkeeper.Sqlite;
using Tokenkeeper.Storage;
using Tokenkeeper.Sync;
using Tokenkeeper.Sync.Running;
using Tokenkeeper.Cli.Infrastructure;

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
        var started = settings.Time.GetTimestamp();
        using var metrics = new TokenkeeperMetrics();
        SqliteTokenStore store;
        try
        {
            store = new SqliteTokenStore(
                new SqliteTokenStoreOptions
                {
                    Path = file.StorePath,
                    KeyFile = file.KeyFile,
                    Protector = settings.Protector,
                    RetryWindow = file.StoreRetryWindow ?? StorageConstants.DefaultStoreRetryWindow,
                },
                settings.Time);
        }
        catch (TokenStoreException ex) when (ex.IsTransient)
        {
            return StoreGone(file, settings, started, metrics, "open the token store", ex);
        }

        using var opened = store;
        using var tokenHttp = new HttpClient(TokenEndpointClient.CreateDefaultHandler());
        var managerOptions = settings.ManagerOptions ?? new TokenManagerOptions();
        if (file.StoreRetryWindow is { } window)
        {
            managerOptions.StoreWaitAtStop = window; // the same patience for the store, at exit too
        }

        await using var manager = new TokenManager(store, new TokenEndpointClient(tokenHttp, settings.Time, file.TokenTimeout), managerOptions, settings.Time, loggers, metrics);
        try
        {
            await EnsureStoredAsync(file, store, cancellationToken).ConfigureAwait(false);
            foreach (var connection in file.Connections)
            {
                var outcome = await manager.RegisterAsync(connection, cancellationToken).ConfigureAwait(false);
                if (RegistrationNotices.For(connection, outcome, file) is { } notice)
                {
                    output.Say(notice, settings.Json);
                }
            }
        }
        catch (TokenStoreException ex) when (ex.IsTransient)
        {
            return StoreGone(file, settings, started, metrics, "register the connections", ex);
        }

        var job = file.Job;
        using var source = SyncHttpClients.Create(manager, job.Source.ConnectionId, settings.HandlerOptions);
        using var destination = SyncHttpClients.Create(manager, job.Destination.ConnectionId, settings.HandlerOptions);
        var engine = new SyncEngine(job, source, destination, store, settings.SyncOptions, settings.Time, loggers.CreateLogger("Tokenkeeper.Sync"));
        // The first Ctrl+C or SIGTERM finishes the batch in flight and its checkpoint, then stops; the second stops now.
        using var stopping = cancellationToken.Register(() =>
        {
            engine.RequestStop();
            output.Error.WriteLine(StopNotice(engine.Progress));
        });
        var run = engine.RunAsync(settings.Restart, settings.StopNow);
        var view = settings.ProgressView ?? (settings.Json ? new SilentProgressView() : output.Interactive ? new LiveProgressView(output.Console, settings.Time) : new PlainProgressView(output.Out, settings.Time));
        await view.ShowAsync(() => ProgressSnapshot.Of(engine, metrics, settings.Time.GetElapsedTime(started)), run).ConfigureAwait(false);
        var result = await run.ConfigureAwait(false);
        return new SyncRunOutcome(result, SyncReport.From(result, metrics), SyncExitCodes.For(result));
    }

    /// <summary>Connections the job names but the file does not declare must be in the store (added with <c>connections add</c>).</summary>
    /// <exception cref="TokenkeeperConfigurationException">One is not: the message names it, where the file names it, and what
    /// the store holds.</exception>
    private static async Task EnsureStoredAsync(JobFile file, SqliteTokenStore store, CancellationToken cancellationToken)
    {
        foreach (var declared in file.Connections)
        {
            // A connection onboarded with `connections add` carries settings a job file cannot state: registering the file's
            // declaration over it would wipe them (and swap its client under tokens issued to another).
            var registration = (await store.GetAsync(declared.ConnectionId, cancellationToken).ConfigureAwait(false))?.Registration;
            if (registration is not null && Onboarded(registration) && !Onboarded(declared.Registration))
            {
                throw new TokenkeeperConfigurationException(
                    $"{Path.GetFileName(file.Path)}: $.connections.{declared.ConnectionId}: the store {file.StorePath} already keeps connection '{declared.ConnectionId}' as added with tokenkeeper connections add, and this declaration would replace its settings. "
                    + $"Remove it from $.connections to use the stored connection (the job names it by id), or remove the stored one first: tokenkeeper connections remove {declared.ConnectionId} --store {file.StorePath}");
            }
        }

        foreach (var (id, problem) in file.StoredConnections)
        {
            if (await store.GetAsync(id, cancellationToken).ConfigureAwait(false) is null)
            {
                var held = (await store.ListAsync(cancellationToken).ConfigureAwait(false)).Select(r => r.ConnectionId).ToList();
                throw new TokenkeeperConfigurationException(
                    $"{problem}, nor in the store {file.StorePath} (it holds: {(held.Count == 0 ? "none" : string.Join(", ", held))}). "
                    + $"Declare it in $.connections, or add it to the store: tokenkeeper connections add {id} --store {file.StorePath} …");
            }
        }
    }

    private static bool Onboarded(Storage.ConnectionRegistration registration) =>
        (registration.AuthorizationEndpoint, registration.DeviceAuthorizationEndpoint, registration.RedirectUri, registration.ApiBaseUrl) != (null, null, null, null);

    /// <summary>What a person sees at the first Ctrl+C or SIGTERM.</summary>
    internal static string StopNotice(SyncProgress progress) =>
        $"Stopping: finishing batch {progress.Batches + 1:N0} (if one is being written) and its checkpoint, then exiting. Press Ctrl+C again to stop without waiting: the batch is then sent again, with the same Idempotency-Key, when the job resumes.";

    /// <summary>The store stayed busy for its whole window before anything started: a failed run like any other (exit 4, a report).</summary>
    private static SyncRunOutcome StoreGone(JobFile file, SyncRunSettings settings, long started, TokenkeeperMetrics metrics, string step, TokenStoreException ex)
    {
        var stopped = new SyncResult
        {
            JobId = file.Job.Id,
            Status = SyncStatus.Failed,
            Progress = new SyncProgress(file.Job.Id, 0, 0, 0, 0, 0, 0, 0, null),
            Elapsed = settings.Time.GetElapsedTime(started),
            Failure = new SyncFailure(SyncFailureKind.StoreUnavailable, $"{step}: the token store stayed unavailable: {ex.Message} Nothing was sent; rerun once the store is back"),
        };
        return new SyncRunOutcome(stopped, SyncReport.From(stopped, metrics), SyncExitCodes.For(stopped));
    }
}
