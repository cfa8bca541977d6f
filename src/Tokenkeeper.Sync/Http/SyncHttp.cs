using System.Net;
using System.Net.Sockets;
using Tokenkeeper.Sync.Running;

namespace Tokenkeeper.Sync.Http;

/// <summary>
/// Sends the job's requests through a connection's <see cref="HttpClient"/> (which carries the Tokenkeeper handler) and
/// turns network failures and unexpected statuses into <see cref="SyncStepException"/>s with a message a person can act on.
/// </summary>
internal sealed class SyncHttp(HttpClient client, string connectionId)
{
    private int _reached;

    public string ConnectionId { get; } = connectionId;

    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string step, CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _reached, 1);
            return response;
        }
        catch (HttpRequestException ex)
        {
            var reason = Describe(ex);
            if (IsConnectFailure(ex) && Volatile.Read(ref _reached) == 0)
            {
                // Never reached in this run and refused outright: most likely a wrong address, so do not spend minutes retrying.
                throw SyncStepException.Permanent(
                    SyncFailureKind.Unreachable,
                    $"{step}: cannot reach {request.RequestUri?.GetLeftPart(UriPartial.Authority)} ({reason}). Check the URL and that the service is running.");
            }

            throw SyncStepException.Transient(SyncFailureKind.Unavailable, $"{step}: {reason}", ex);
        }
        catch (TokenEndpointUnavailableException ex) when (ex.Failure is { Unreachable: true } failure && Volatile.Read(ref _reached) == 0)
        {
            // The first token request of this run could not even connect: a wrong token endpoint or a provider that is not
            // running. Fail now, naming the token endpoint (not the API). Refusals later in a run keep the patient retries.
            throw new SyncStepException(
                new SyncFailure(
                    SyncFailureKind.Unreachable,
                    $"Connection '{ConnectionId}' cannot reach its token endpoint {failure.Endpoint ?? "(unknown URL)"} ({failure.Message}). Check the connection's tokenEndpoint and that the provider is running; no token request reached it, so nothing was spent.",
                    ConnectionId),
                retryable: false);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw SyncStepException.Transient(SyncFailureKind.Unavailable, $"{step}: no answer within {client.Timeout.TotalSeconds:0} s", ex);
        }
    }

    /// <summary>The failure an unsuccessful response stands for, quoting the start of its body.</summary>
    public static async Task<SyncStepException> FailureAsync(HttpResponseMessage response, string step, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var excerpt = await ExcerptAsync(response, cancellationToken).ConfigureAwait(false);
        var said = $"{step}: HTTP {status} {response.ReasonPhrase}{(excerpt.Length == 0 ? "" : ": " + excerpt)}";
        return response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => SyncStepException.Transient(SyncFailureKind.Unavailable, $"{said} (the token was refused even after a refresh and a replay)"),
            HttpStatusCode.RequestTimeout or (HttpStatusCode)425 or HttpStatusCode.TooManyRequests => SyncStepException.Transient(SyncFailureKind.Unavailable, said),
            >= HttpStatusCode.InternalServerError => SyncStepException.Transient(SyncFailureKind.Unavailable, said),
            >= HttpStatusCode.MultipleChoices and < HttpStatusCode.BadRequest => SyncStepException.Permanent(
                SyncFailureKind.Rejected,
                $"{step}: redirected (HTTP {status}) to {response.Headers.Location}; redirects are not followed, so the token cannot follow them elsewhere: configure the final URL"),
            HttpStatusCode.Forbidden => SyncStepException.Permanent(SyncFailureKind.Rejected, $"{said} (does the connection have the scope this needs?)"),
            _ => SyncStepException.Permanent(SyncFailureKind.Rejected, said),
        };
    }

    /// <summary>The start of a response body, on one line.</summary>
    public static async Task<string> ExcerptAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            return "";
        }

        text = string.Join(' ', text.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        return text.Length <= SyncConstants.ErrorBodyExcerptLength ? text : text[..SyncConstants.ErrorBodyExcerptLength] + "…";
    }

    private static bool IsConnectFailure(HttpRequestException ex) =>
        ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
        || ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.HostUnreachable or SocketError.NetworkUnreachable };

    private static string Describe(HttpRequestException ex) => ex.HttpRequestError switch
    {
        HttpRequestError.ConnectionError when ex.InnerException is SocketException socket => $"connection failed: {socket.SocketErrorCode}",
        HttpRequestError.ConnectionError => "connection failed",
        HttpRequestError.NameResolutionError => "unknown host",
        HttpRequestError.ResponseEnded => "the connection closed before the response was complete",
        HttpRequestError.SecureConnectionError => "TLS handshake failed",
        HttpRequestError.Unknown => ex.InnerException?.Message ?? ex.Message,
        var error => error.ToString(),
    };
}
