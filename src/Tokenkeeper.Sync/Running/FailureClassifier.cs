using Tokenkeeper.Storage;

namespace Tokenkeeper.Sync.Running;

/// <summary>Turns whatever a step threw into a <see cref="SyncStepException"/>: a connection that needs a person stops the
/// job at once; anything that can pass (the token endpoint, the store) is retried.</summary>
internal static class FailureClassifier
{
    public static SyncStepException Classify(Exception exception, string step) => exception switch
    {
        SyncStepException known => known,
        ReconnectRequiredException reconnect => new SyncStepException(
            new SyncFailure(SyncFailureKind.ReconnectRequired, $"{step}: {reconnect.Message}", reconnect.ConnectionId, reconnect.Reason),
            retryable: false),
        ConnectionDisabledException disabled => new SyncStepException(
            new SyncFailure(SyncFailureKind.ConnectionDisabled, $"{step}: {disabled.Message}", disabled.ConnectionId, "disabled"),
            retryable: false),
        TokenEndpointUnavailableException unavailable => new SyncStepException(
            new SyncFailure(SyncFailureKind.Unavailable, $"{step}: no access token for connection '{unavailable.ConnectionId}': {unavailable.Message}", unavailable.ConnectionId),
            retryable: true,
            unavailable.RetryNotBefore,
            unavailable),
        TokenAcquisitionException acquisition => new SyncStepException(
            new SyncFailure(SyncFailureKind.Unavailable, $"{step}: {acquisition.Message}", acquisition.ConnectionId),
            retryable: true,
            innerException: acquisition),
        TokenStoreException store => SyncStepException.Transient(SyncFailureKind.Unavailable, $"{step}: the store failed: {store.Message}", store),
        _ => throw new InvalidOperationException($"{step}: unexpected failure: {exception.Message}", exception),
    };
}
