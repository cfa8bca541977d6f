namespace Tokenkeeper.Simulator;

/// <summary>
/// The first request seen with an <c>Idempotency-Key</c>: the hash of its canonical body and, once stored, its
/// response. A concurrent second request with the same key waits for the first one's response.
/// </summary>
internal sealed class IdempotencyEntry(byte[] bodyHash)
{
    private readonly TaskCompletionSource<StoredResponse> _response = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public byte[] BodyHash => bodyHash;

    public Task<StoredResponse> Response => _response.Task;

    public void Complete(StoredResponse response) => _response.TrySetResult(response);

    public void Fail(Exception error) => _response.TrySetException(error);
}

/// <summary>A response kept to be replayed.</summary>
internal sealed record StoredResponse(int StatusCode, byte[] Body);
