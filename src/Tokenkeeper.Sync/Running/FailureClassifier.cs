using Tokenkeeper.Storage;

namespace Tokenkeeper.Sync.Running;

/// <summary>Turns whatever a step threw into a <see cref="SyncStepException"/>: a connection that needs a person, or whose
/// configuration the provider rejected, stops the job at once; anything that can pass (the token endpoint) is retried; a store that stayed away for its whole retry window
/// (it retries its own busy moments) stops the job, checkpoint kept.</summary>
internal static class FailureClassifier
{
    public static SyncStepException Classify(Exception exception, string step) => exception switch
    {
        SyncStepException known => known,
        ReconnectRequiredException reconnect => new SyncStepException(
            new SyncFailure(SyncFailureKind.ReconnectRequired, $"{step}: {reconnect.Message}", reconnect.ConnectionId, reconnect.Reason),
            retryable: false),
        ConnectionMisconfiguredException misconfigured => new SyncStepException(
            new SyncFailure(SyncFailureKind.Misconfigured, $"{step}: {misconfigured.Message}", misconfigured.ConnectionId, misconfigured.Reason),
            retryable: false),
        ConnectionDisabledException disabled => new SyncStepException(
            new SyncFailure(SyncFailureKind.ConnectionDisabled, $"{step}: {disabled.Message}", disabled.ConnectionId, "disabled"),
            retryable: false),
        TokenStoreUnavailableException { InnerException: TokenStoreException { IsTransient: true } } store => StoreGone(step, store.Message, store.ConnectionId),
        TokenEndpointUnavailableException unavailable => new SyncStepException(
            new SyncFailure(SyncFailureKind.Unavailable, $"{step}: no access token for connection '{unavailable.ConnectionId}': {unavailable.Message}", unavailable.ConnectionId),
            retryable: true,
            unavailable.RetryNotBefore,
            unavailable),
        TokenAcquisitionException acquisition => new SyncStepException(
            new SyncFailure(SyncFailureKind.Unavailable, $"{step}: {acquisition.Message}", acquisition.ConnectionId),
            retryable: true,
            innerException: acquisition),
        TokenStoreException { IsTransient: true } store => StoreGone(step, store.Message, null),
        TokenStoreException store => SyncStepException.Transient(SyncFailureKind.Unavailable, $"{step}: the store failed: {store.Message}", store),
        _ => throw new InvalidOperationException($"{step}: unexpected failure: {exception.Message}", exception),
    };

    /// <summary>The store already retried for its whole window: retrying the step would only wait that long again.</summary>
    private static SyncStepException StoreGone(string step, string message, string? connectionId) => new(
        new SyncFailure(
            SyncFailureKind.StoreUnavailable,
            $"{step}: the token store stayed unavailable: {message} Nothing is lost: the checkpoint stays where it was and tokens a refresh obtained meanwhile are kept beside the store; rerun once the store is back",
            connectionId),
        retryable: false);
}
