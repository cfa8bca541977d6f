using System.Net;
using System.Text.Json.Nodes;
using Tokenkeeper.Storage;
using Tokenkeeper.Sync;
using Tokenkeeper.Sync.Running;

namespace Tokenkeeper.Tests.Sync.Running;

public sealed class SyncEngineTests : IDisposable
{
    private readonly ManualTimeProvider _clock = new();
    private readonly InMemoryTokenStore _store;
    private readonly FakeContactsApi _api = new(250);
    private readonly HttpClient _http;

    public SyncEngineTests()
    {
        _store = new InMemoryTokenStore(_clock);
        _http = new HttpClient(_api);
    }

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task Run_WritesEveryRecordOnce_InNumberedBatchesKeyedByJobGenerationAndBatch()
    {
        var result = await Engine().RunAsync();

        Assert.Equal(SyncStatus.Completed, result.Status);
        Assert.Equal((250L, 250L, 4L), (result.Progress.RecordsRead, result.Progress.RecordsWritten, result.Progress.Batches));
        Assert.Equal([Key(1, 1), Key(1, 2), Key(1, 3), Key(1, 4)], _api.Posts.Select(p => p.Key));
        Assert.Equal(250, _api.Stored.Count);
        Assert.All(_api.Stored.Values, count => Assert.Equal(1, count));
        Assert.StartsWith("[{\"id\":1},{\"id\":2}", _api.Posts.First().Body, StringComparison.Ordinal);
        Assert.Equal(250L, result.Progress.Total);
        Assert.True((bool)(await CheckpointAsync())["completed"]!);
    }

    [Fact]
    public async Task RequestStop_WhileABatchIsBeingWritten_FinishesAndCheckpointsIt_ThenStartsNothing()
    {
        SyncEngine? engine = null;
        var destination = new HttpClient(new OnBatch(_api, 2, () => engine!.RequestStop()));
        engine = new SyncEngine(Job(70), _http, destination, _store, new SyncOptions(), _clock);

        var result = await engine.RunAsync();

        Assert.Equal((SyncStatus.Failed, SyncFailureKind.Cancelled), (result.Status, result.Failure!.Kind));
        Assert.True(engine.StopRequested);
        Assert.Equal(2, (long)(await CheckpointAsync())["batch"]!);
        Assert.Equal([Key(1, 1), Key(1, 2)], _api.Posts.Select(p => p.Key));
        Assert.Equal(140, _api.Stored.Count);
        Assert.Contains("stopped on request at a batch boundary", result.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestStop_WhileABatchIsFailing_DoesNotRetryIt_AndTheResumeSendsItWithTheSameKey()
    {
        SyncEngine? engine = null;
        var destination = new HttpClient(new OnBatch(_api, 2, () => engine!.RequestStop(), answer: HttpStatusCode.ServiceUnavailable));
        engine = new SyncEngine(Job(70), _http, destination, _store, new SyncOptions { StepRetryBaseDelay = TimeSpan.FromSeconds(1) }, _clock);

        var result = await engine.RunAsync();
        var resumed = await Engine().RunAsync();

        Assert.Equal((SyncStatus.Failed, SyncFailureKind.Cancelled), (result.Status, result.Failure!.Kind));
        Assert.Equal((1L, 0L), (result.Progress.Batches, result.Progress.Retries)); // a stop was asked: batch 2 was not tried again
        Assert.Equal(SyncStatus.Completed, resumed.Status);
        Assert.Equal([Key(1, 1), Key(1, 2), Key(1, 3), Key(1, 4)], _api.Posts.Select(p => p.Key));
    }

    [Fact]
    public async Task Cancelling_WhileABatchIsBeingWritten_AbandonsIt_AndTheResumeSendsItWithTheSameKey()
    {
        using var stopNow = new CancellationTokenSource();
        var destination = new HttpClient(new OnBatch(_api, 2, stopNow.Cancel, holdUntilCancelled: true));
        var engine = new SyncEngine(Job(70), _http, destination, _store, new SyncOptions(), _clock);

        var result = await engine.RunAsync(cancellationToken: stopNow.Token);
        var resumed = await Engine().RunAsync();

        Assert.Equal(SyncFailureKind.Cancelled, result.Failure!.Kind);
        Assert.Equal(1, result.Progress.Batches);
        Assert.Equal(SyncStatus.Completed, resumed.Status);
        Assert.Equal([Key(1, 1), Key(1, 2), Key(1, 3), Key(1, 4)], _api.Posts.Select(p => p.Key));
        Assert.All(_api.Stored.Values, count => Assert.Equal(1, count));
    }

    [Fact]
    public async Task Checkpoint_AfterABatchEndingInsideAPage_PointsAtThatPageAndOffset()
    {
        // Pages of 100, batches of 70: batch 2 ends 40 records into the second page.
        _api.Then(_ => null);
        _api.Then(_ => null);
        _api.Then(_ => null);
        _api.Then(_ => null);
        _api.ThenStatus(HttpStatusCode.BadRequest);

        var result = await Engine().RunAsync();

        Assert.Equal(SyncStatus.Failed, result.Status);
        var checkpoint = await CheckpointAsync();
        Assert.Equal(2, (long)checkpoint["batch"]!);
        Assert.Equal("100", (string?)checkpoint["cursor"]);
        Assert.Equal(40, (int)checkpoint["offset"]!);
        Assert.Equal(140, (long)checkpoint["records_written"]!);
    }

    [Fact]
    public async Task Resume_AfterABatchWasStoredButNotCheckpointed_ResendsItUnderTheSameKeyWithTheSameBody_AndStoresNothingTwice()
    {
        // Batch 2 reaches the destination, but its answer is a refusal: stored, yet not checkpointed (as if the process died).
        var first = Engine(failAfterBatch: 2);
        var stopped = await first.RunAsync();
        Assert.Equal(SyncStatus.Failed, stopped.Status);
        Assert.Equal(1, stopped.Progress.Batches);

        var resumed = await Engine().RunAsync();

        Assert.Equal(SyncStatus.Completed, resumed.Status);
        Assert.Equal(1, resumed.Progress.ResumedFromBatch);
        var batchTwo = _api.Posts.Where(p => p.Key == Key(1, 2)).Select(p => p.Body).ToList();
        Assert.Equal(2, batchTwo.Count);
        Assert.Equal(batchTwo[0], batchTwo[1]);
        Assert.Equal(1, _api.Absorbed);
        Assert.Equal(1, resumed.Progress.BatchesReplayed); // the destination said so, and the run reports it
        Assert.Equal(250, _api.Stored.Count);
        Assert.All(_api.Stored.Values, count => Assert.Equal(1, count));
        Assert.Equal(250, resumed.Progress.RecordsWritten);
    }

    [Fact]
    public async Task AJobRunAgainstANewStore_UsesNewKeys_SoTheDestinationStoresItsBatchesInsteadOfReplayingTheOldOnes()
    {
        await Engine().RunAsync();
        var oldKeys = _api.Posts.Select(p => p.Key).ToList();

        // The store is lost: the same job starts over against an empty one, with the same destination.
        var fresh = new InMemoryTokenStore(_clock);
        var options = new SyncOptions { StepRetryBaseDelay = TimeSpan.Zero, StepRetryMaxDelay = TimeSpan.Zero };
        var again = await new SyncEngine(Job(70), _http, _http, fresh, options, _clock).RunAsync();

        Assert.Equal(SyncStatus.Completed, again.Status);
        Assert.Equal(0, again.Progress.BatchesReplayed);
        Assert.Equal(0, _api.Absorbed);
        var newKeys = _api.Posts.Skip(oldKeys.Count).Select(p => p.Key).ToList();
        Assert.Equal(4, newKeys.Count);
        Assert.Empty(newKeys.Intersect(oldKeys));
        Assert.All(_api.Stored.Values, count => Assert.Equal(2, count)); // written again: at least once, never silently dropped
    }

    [Fact]
    public async Task ACheckpointWrittenBeforeLineages_KeepsItsKeysWhenResumed()
    {
        // A generation checkpointed at batch 1 by a version without lineages: its keys had none, and its resume must match.
        await Engine(failAfterBatch: 2).RunAsync();
        var stored = (await _store.GetCheckpointAsync("nightly"))!;
        var legacy = JsonNode.Parse(stored.Payload)!.AsObject();
        legacy.Remove("lineage");
        await _store.CommitCheckpointAsync("nightly", legacy.ToJsonString(), stored.Version);
        var posts = _api.Posts.Count;

        var resumed = await Engine().RunAsync();

        Assert.Equal(SyncStatus.Completed, resumed.Status);
        Assert.Equal(["nightly:1:2", "nightly:1:3", "nightly:1:4"], _api.Posts.Skip(posts).Select(p => p.Key));
    }

    [Fact]
    public async Task Rerun_OfACompletedGeneration_DoesNothing_AndRestartBeginsTheNextGenerationWithNewKeys()
    {
        await Engine().RunAsync();
        var posts = _api.Posts.Count;

        var again = await Engine().RunAsync();
        var restarted = await Engine().RunAsync(restart: true);

        Assert.True(again.AlreadyCompleted);
        Assert.Equal(SyncStatus.Completed, again.Status);
        Assert.Equal(posts, _api.Posts.Count - 4);
        Assert.Equal(2, restarted.Progress.Generation);
        Assert.Equal(0, restarted.Progress.ResumedFromBatch);
        Assert.Equal([Key(2, 1), Key(2, 2), Key(2, 3), Key(2, 4)], _api.Posts.Skip(posts).Select(p => p.Key));
    }

    [Fact]
    public async Task Resume_WithADifferentBatchSize_IsAConfigurationErrorNamingTheChange()
    {
        _api.Then(_ => null);
        _api.Then(_ => null);
        _api.Then(_ => null);
        _api.ThenStatus(HttpStatusCode.BadRequest);
        await Engine().RunAsync();

        var error = await Assert.ThrowsAsync<TokenkeeperConfigurationException>(() => Engine(batchSize: 50).RunAsync());

        Assert.Contains("batchSize was '70', is now '50'", error.Message, StringComparison.Ordinal);
        Assert.Contains("--restart", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TransientFailures_ThatOutlastTheHandler_AreRetriedByTheEngine_AndCounted()
    {
        _api.ThenStatus(HttpStatusCode.ServiceUnavailable);
        _api.ThenStatus(HttpStatusCode.Unauthorized);

        var result = await Engine().RunAsync();

        Assert.Equal(SyncStatus.Completed, result.Status);
        Assert.Equal(2, result.Progress.Retries);
        Assert.Equal(250, _api.Stored.Count);
    }

    [Fact]
    public async Task PersistentFailure_GivesUpAfterTheLastAttempt_KeepingTheCheckpoint()
    {
        _api.Then(_ => null);
        _api.Then(_ => null);
        for (var i = 0; i < 3; i++)
        {
            _api.ThenStatus(HttpStatusCode.BadGateway);
        }

        var result = await Engine().RunAsync();

        Assert.Equal(SyncStatus.Failed, result.Status);
        Assert.Equal(SyncFailureKind.Unavailable, result.Failure!.Kind);
        Assert.EndsWith("(gave up after 3 attempts)", result.Failure.Message, StringComparison.Ordinal);
        Assert.Equal(1, (long)(await CheckpointAsync())["batch"]!);
    }

    [Fact]
    public async Task AConnectionThatNeedsAPerson_StopsTheJobAtOnce_NamingItAndTheReason()
    {
        _api.Then(_ => null);
        _api.Then(_ => null);
        _api.Then(_ => throw new ReconnectRequiredException("crm", "revoked", "the grant was revoked"));

        var result = await Engine().RunAsync();

        Assert.Equal(SyncStatus.ReconnectRequired, result.Status);
        Assert.Equal(("crm", "revoked"), (result.Failure!.ConnectionId, result.Failure.Reason));
        Assert.Equal(0, result.Progress.Retries);
        Assert.Equal(1, result.Progress.Batches);
    }

    [Fact]
    public async Task TokenEndpointUnavailable_WaitsUntilTheConnectionSaysItMayRetry()
    {
        var retryAt = _clock.GetUtcNow() + TimeSpan.FromSeconds(40);
        _api.Then(_ => throw new TokenEndpointUnavailableException("crm", "token endpoint down", null, retryAt));
        var engine = Engine(retryDelay: TimeSpan.FromSeconds(1));

        var run = engine.RunAsync();
        await Waits.UntilAsync(() => _clock.PendingTimers > 0, "the engine waits");
        _clock.Advance(TimeSpan.FromSeconds(39));
        await Waits.YieldAsync();
        Assert.False(run.IsCompleted);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var result = await run;

        Assert.Equal(SyncStatus.Completed, result.Status);
        Assert.Equal(1, result.Progress.Retries);
    }

    [Fact]
    public async Task TheDestinationRefusingAUsedKeyWithAnotherBody_StopsTheJob_SayingTheSourceChanged()
    {
        _api.Then(_ => null);
        _api.Then(_ => null);
        _api.Then(_ => null);
        _api.Then(_ => new HttpResponseMessage(HttpStatusCode.UnprocessableEntity) { Content = new StringContent("{\"error\":\"idempotency_key_reused\"}") });

        var result = await Engine().RunAsync();

        Assert.Equal(SyncFailureKind.SourceChanged, result.Failure!.Kind);
        Assert.Contains($"key '{Key(1, 2)}'", result.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACheckpointMovedByAnotherRun_StopsThisRun()
    {
        var engine = new SyncEngine(Job(70), _http, _http, new MovedByAnotherRun(_store), new SyncOptions { StepRetryBaseDelay = TimeSpan.Zero, StepRetryMaxDelay = TimeSpan.Zero }, _clock);

        var result = await engine.RunAsync();

        Assert.Equal(SyncFailureKind.CheckpointConflict, result.Failure!.Kind);
        Assert.Equal(0, result.Progress.Batches);
    }

    private SyncEngine Engine(int batchSize = 70, TimeSpan? retryDelay = null, int? failAfterBatch = null)
    {
        var options = new SyncOptions { MaxStepAttempts = 3, StepRetryBaseDelay = retryDelay ?? TimeSpan.Zero, StepRetryMaxDelay = retryDelay ?? TimeSpan.Zero };
        var destination = failAfterBatch is { } batch ? new HttpClient(new RefuseAfterStoring(_api, batch)) : _http;
        return new SyncEngine(Job(batchSize), _http, destination, _store, options, _clock);
    }

    private static SyncJob Job(int batchSize) => new()
    {
        Id = "nightly",
        Source = new SyncSource { ConnectionId = "crm", Url = FakeContactsApi.Source, CursorField = "next_cursor", CursorParam = "cursor", LimitParam = "limit", PageSize = 100, TotalField = "total" },
        Destination = new SyncDestination { ConnectionId = "sell", Url = FakeContactsApi.Destination, BatchSize = batchSize },
    };

    /// <summary>The key of batch <paramref name="batch"/> of <paramref name="generation"/>: the job, the lineage its first checkpoint
    /// in this store was born with, the generation and the batch.</summary>
    private string Key(int generation, long batch)
    {
        var lineage = (string)JsonNode.Parse(_store.GetCheckpointAsync("nightly").AsTask().GetAwaiter().GetResult()!.Payload)!["lineage"]!;
        Assert.Matches("^[0-9a-f]{12}$", lineage);
        return $"nightly:{lineage}:{generation}:{batch}";
    }

    private async Task<JsonNode> CheckpointAsync() => JsonNode.Parse((await _store.GetCheckpointAsync("nightly"))!.Payload)!;

    /// <summary>Runs <paramref name="action"/> when batch <paramref name="batch"/> is being sent (a signal arriving mid-batch), then
    /// lets it through, or with <paramref name="holdUntilCancelled"/> holds it until the caller gives up on it, or answers it with
    /// <paramref name="answer"/>.</summary>
    private sealed class OnBatch(FakeContactsApi api, int batch, Action action, bool holdUntilCancelled = false, HttpStatusCode? answer = null) : DelegatingHandler(api)
    {
        private int _batches;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Post && Interlocked.Increment(ref _batches) == batch)
            {
                action();
                if (holdUntilCancelled)
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }

                if (answer is { } status)
                {
                    return new HttpResponseMessage(status) { Content = new StringContent("{\"error\":\"scripted\"}") };
                }
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>Lets batch <c>n</c> reach the destination, then answers it with a refusal: stored, but not checkpointed.</summary>
    private sealed class RefuseAfterStoring(FakeContactsApi api, int batch) : DelegatingHandler(api)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            var key = request.Headers.GetValues("Idempotency-Key").Single();
            return key.EndsWith($":{batch}", StringComparison.Ordinal) ? new HttpResponseMessage(HttpStatusCode.BadRequest) : response;
        }
    }

    /// <summary>A store where another run commits first.</summary>
    private sealed class MovedByAnotherRun(ICheckpointStore inner) : ICheckpointStore
    {
        public ValueTask<StoredCheckpoint?> GetCheckpointAsync(string jobId, CancellationToken cancellationToken = default) => inner.GetCheckpointAsync(jobId, cancellationToken);

        public async ValueTask<long?> CommitCheckpointAsync(string jobId, string payload, long expectedVersion, CancellationToken cancellationToken = default)
        {
            await inner.CommitCheckpointAsync(jobId, payload, expectedVersion, cancellationToken);
            return await inner.CommitCheckpointAsync(jobId, payload, expectedVersion, cancellationToken);
        }
    }
}
