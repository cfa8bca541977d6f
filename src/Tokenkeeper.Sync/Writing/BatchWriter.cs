using System.Net;
using System.Net.Http.Headers;
using Tokenkeeper.Http;
using Tokenkeeper.Sync.Http;
using Tokenkeeper.Sync.Running;

namespace Tokenkeeper.Sync.Writing;

/// <summary>Posts batches to the destination through its connection's <see cref="HttpClient"/>, each with its
/// <c>Idempotency-Key</c> (which also lets the Tokenkeeper handler retry it safely). Returns whether the destination answered
/// it as a replay of an earlier request with that key (<see cref="SyncConstants.ReplayedHeader"/>): nothing new was stored.</summary>
internal sealed class BatchWriter(SyncDestination destination, SyncHttp http)
{
    public async Task<bool> WriteAsync(long batch, string key, byte[] body, CancellationToken cancellationToken)
    {
        var step = $"POST batch {batch} to {destination.Url}";
        using var request = new HttpRequestMessage(HttpMethod.Post, destination.Url)
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.TryAddWithoutValidation(HttpConstants.IdempotencyKeyHeader, key);
        using var response = await http.SendAsync(request, step, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return response.Headers.TryGetValues(SyncConstants.ReplayedHeader, out var replayed)
                && replayed.Any(v => v.Equals("true", StringComparison.OrdinalIgnoreCase));
        }

        if (response.StatusCode == HttpStatusCode.UnprocessableEntity && (await SyncHttp.ExcerptAsync(response, cancellationToken).ConfigureAwait(false)).Contains("idempotency", StringComparison.OrdinalIgnoreCase))
        {
            throw SyncStepException.Permanent(
                SyncFailureKind.SourceChanged,
                $"{step}: the destination already received key '{key}' with a different body: the source changed since this generation began. Start a new generation with --restart");
        }

        throw await SyncHttp.FailureAsync(response, step, cancellationToken).ConfigureAwait(false);
    }
}
